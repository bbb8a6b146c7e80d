#!/usr/bin/env bash
# libalcn.so exports exactly the SDK: every function it exports
# (nm -D --defined-only) is declared with ALCN_API in one of the installed SDK
# headers, every ALCN_API declaration of those headers is exported, and no
# other dynamic symbol is defined except the few that any shared library may
# carry (_init, _fini, _edata, _end, __bss_start).
# The headers are the ones the build installs into include/alcn: read from the
# build's cmake_install.cmake, i.e. from the top-level install(FILES ...).
# usage: test_sdk_symbols.sh LIBALCN BUILD_DIR [NM]
set -euo pipefail
export LC_ALL=C # one collation for sort and comm
lib=$1 build=$2 nm=${3:-nm}
[[ -n $nm ]] || nm=nm
[[ -f $lib ]] || { echo "FAIL: $lib does not exist (build the alcn target)"; exit 1; }
inst=$build/cmake_install.cmake
[[ -f $inst ]] || { echo "FAIL: $inst does not exist"; exit 1; }

# Quoted .h paths of the file(INSTALL DESTINATION ".../alcn" TYPE FILE FILES ...) blocks.
mapfile -t headers < <(perl -0777 -ne '
  while (/file\(INSTALL DESTINATION "[^"]*\/alcn" TYPE FILE FILES(.*?)\)/sg) {
    my $b = $1; print "$1\n" while $b =~ /"([^"]+\.h)"/g;
  }' "$inst")
(( ${#headers[@]} > 0 )) || { echo "FAIL: no SDK headers found in $inst (install(FILES ... DESTINATION .../alcn))"; exit 1; }
for h in "${headers[@]}"; do [[ -f $h ]] || { echo "FAIL: installed header $h does not exist"; exit 1; }; done

# ALCN_API declarations: comments and preprocessor lines removed, then the
# identifier just before the first '(' after each ALCN_API (a function), or
# before ';' when there is no '(' first (an object).
mapfile -t declared < <(perl -0777 -ne '
  s{/\*.*?\*/}{ }gs; s{//[^\n]*}{}g; s{^[ \t]*#(?:[^\n]*\\\n)*[^\n]*}{}mg;
  while (/\bALCN_API\b([^;(]*)([;(])/g) {
    my ($pre, $end) = ($1, $2);
    if ($pre =~ /([A-Za-z_][A-Za-z0-9_]*)\s*$/) { print "$1\n" } else { print "?unparsed: ALCN_API$pre$end\n" }
  }' "${headers[@]}" | sort -u)
if printf '%s\n' "${declared[@]}" | grep '^?unparsed' ; then echo "FAIL: ALCN_API declarations the test cannot read"; exit 1; fi
(( ${#declared[@]} > 0 )) || { echo "FAIL: no ALCN_API declaration in ${headers[*]}"; exit 1; }

syms=$("$nm" -D --defined-only "$lib")
[[ -n $syms ]] || { echo "FAIL: $nm -D --defined-only $lib shows nothing"; exit 1; }
# "address type name"; versioned names (name@@VER) compared without the version
mapfile -t exported < <(awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' <<<"$syms" | sort -u)
usual='^(_init|_fini|_edata|_end|__bss_start)$'

fail=0
extra=$(comm -23 <(printf '%s\n' "${exported[@]}" | grep -Ev "$usual" || true) <(printf '%s\n' "${declared[@]}"))
if [[ -n $extra ]]; then
  echo "FAIL: exported by $(basename "$lib") but not declared ALCN_API in an installed SDK header:"
  grep -wF -f <(printf '%s\n' $extra) <<<"$syms" | sed 's/^/  /'
  fail=1
fi
missing=$(comm -13 <(printf '%s\n' "${exported[@]}") <(printf '%s\n' "${declared[@]}"))
if [[ -n $missing ]]; then
  echo "FAIL: declared ALCN_API in an installed SDK header but not exported by $(basename "$lib"):"
  for s in $missing; do echo "  $s ($(grep -lw "$s" "${headers[@]}" | xargs -n1 basename | paste -sd, -))"; done
  fail=1
fi
(( fail == 0 )) || exit 1
echo "${#exported[@]} exported symbols = ${#declared[@]} ALCN_API declarations in ${#headers[@]} SDK headers"
echo "1 passed, 0 failed"
