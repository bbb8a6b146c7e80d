#!/usr/bin/env python3
"""The PyTorch peer as a server, for `alcnbench table5 --paired`.

table5 --paired times each case in turn: ours, then every peer, R rounds in a
row (the order alternating), so that ours and the peers run seconds apart,
not minutes: on a shared machine whose speed drifts over minutes, each
round's ratio then compares the two sides at the same speed. The one-shot
peer (`torch_alcn.py bench`) would pay its start-up (import, and the
compilation of torch.compile) in every round; this process starts once and
serves every round.

It runs the peer's own code: the script given (../shared/peers/torch_alcn.py)
is imported and its models, batches, steps and timer are used as its
`bench` command uses them (a new model per case; --deconv fast: channels-last
weights and batch; --compile: torch.compile on both networks; denormals
flushed unless --no-flush-denormal; torch.set_num_threads(--threads)).

Protocol (one line each way; the replies are the only lines on stdout):
  -> "ready <torch version>"                          once, after the import
  <- "<case> <loss> <C> <B> <iters> <warmup>"         case: alcn_train | dae_train |
                                                      infer_dae | infer_alcn; loss
                                                      mse | ffl | - (inference)
  -> "ok <n> <t_1> ... <t_iters>"                     seconds per run; n: this request's number
                                                      (1, 2, ...: a stray or stale line shows)
     or "error <message>"                             the case failed; the server lives on
  <- "quit" (or end of input)                         exit 0
The model of the last case is kept while the same case is asked again
(rounds), with its warm-up runs each time; another case replaces it."""
import argparse
import importlib.util
import sys


def load_peer(path):
    spec = importlib.util.spec_from_file_location("torch_alcn", path)
    if spec is None or spec.loader is None:
        raise SystemExit("peer_serve.py: cannot load the peer script %s" % path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build(ta, args, case, loss, C, B):
    """The timed function of one case, as torch_alcn.bench() builds it."""
    x = ta.make_batch(B, C)
    if args.deconv == "fast":
        x = x.contiguous(memory_format=ta.torch.channels_last)
    m = ta._maybe_compile(ta.ALCN(C, loss if loss != "-" else "mse", deconv=args.deconv), args)
    fns = {"alcn_train": lambda: m.alcn_step(x), "dae_train": lambda: m.dae_step(x),
           "infer_dae": lambda: m.score(x), "infer_alcn": lambda: m.score_with_noise(x)}
    if case not in fns:
        raise ValueError("unknown case %s" % case)
    return fns[case]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("script", help="the peer, torch_alcn.py")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--deconv", default="native", choices=["native", "fast"])
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--no-flush-denormal", dest="flush_denormal", action="store_false")
    args = ap.parse_args()
    args.device = "cpu"
    ta = load_peer(args.script)
    torch = ta.torch
    ta.DEVICE = torch.device("cpu")
    torch.set_num_threads(args.threads)
    if args.flush_denormal:
        torch.set_flush_denormal(True)
    torch.manual_seed(0)
    print("#", ta.env_line(), " deconv=%s compile=%d flush_denormal=%d (server)"
          % (args.deconv, args.compile, args.flush_denormal), file=sys.stderr, flush=True)
    print("ready", torch.__version__, flush=True)
    key, fn, n = None, None, 0
    for line in sys.stdin:
        f = line.split()
        if not f:
            continue
        if f[0] == "quit":
            break
        n += 1
        try:
            if len(f) != 6:
                raise ValueError("expected '<case> <loss> <C> <B> <iters> <warmup>', got %r" % line.strip())
            case, loss = f[0], f[1]
            C, B, iters, warmup = (int(v) for v in f[2:])
            if min(C, B, iters) < 1 or warmup < 0:
                raise ValueError("C, B and iters must be >= 1 and warmup >= 0")
            if (case, loss, C, B) != key:
                key, fn = None, None  # the old model goes before the new one is built
                fn = build(ta, args, case, loss, C, B)
                key = (case, loss, C, B)
            ts = ta.timeit(fn, iters, warmup)
            print("ok %d " % n + " ".join("%.9g" % t for t in ts), flush=True)
        except Exception as e:  # the case failed; say why and serve the next one
            key, fn = None, None
            print("error %s: %s" % (type(e).__name__, str(e).replace("\n", " ")[:400]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
