#!/usr/bin/env python3
"""Reference numbers for tests/reports/test_stats.c, computed ONCE with SciPy
(1.17.1) and pasted into the test, which does not need Python or SciPy:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install scipy
    /tmp/venv/bin/python tests/reports/stats_reference.py

Published values used beside these (Demsar 2006, JMLR 7:1-30, Tables 2, 5a, 6
and Section 3.2.2) are typed into the test directly."""
import numpy as np
from scipy import stats
from scipy.special import betainc, gammaincc

print("# distributions")
for p, df in [(0.975, 1), (0.975, 2), (0.975, 3), (0.975, 4), (0.975, 5), (0.975, 9), (0.975, 10), (0.975, 29),
              (0.975, 30), (0.975, 100), (0.975, 1000), (0.975, 1e6), (0.995, 3), (0.9995, 1), (0.025, 5),
              (0.975, 2.5), (0.9, 7)]:
    print(f"t.ppf({p}, {df}) = {stats.t.ppf(p, df):.15g}")
for t, df in [(2.0, 5), (-1.3, 12), (0.7, 1.5)]:
    print(f"t.cdf({t}, {df}) = {stats.t.cdf(t, df):.15g}")
for x, df in [(9.28, 3), (0.5, 1), (30.0, 10), (100.0, 80), (1e-3, 2)]:
    print(f"chi2.sf({x}, {df}) = {stats.chi2.sf(x, df):.15g}")
for x, a, b in [(3.69, 3, 39), (1.0, 2, 16), (10.0, 1, 1), (0.2, 5, 3)]:
    print(f"f.sf({x}, {a}, {b}) = {stats.f.sf(x, a, b):.15g}")
for z in [1.96, -3.0, 0.0]:
    print(f"norm.cdf({z}) = {stats.norm.cdf(z):.15g}")
print(f"betainc(2.5, 1.5, 0.3) = {betainc(2.5, 1.5, 0.3):.15g}")
print(f"gammaincc(3.5, 2.0) = {gammaincc(3.5, 2.0):.15g}")
print(f"gammaincc(0.5, 7.0) = {gammaincc(0.5, 7.0):.15g}")
for alpha in (0.05, 0.10):
    for k in range(2, 13):
        q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
        print(f"q({k}, {alpha}) = {q:.10f}")
print(f"studentized_range.cdf(3.0, 5, inf) = {stats.studentized_range.cdf(3.0, 5, np.inf):.12g}")

print("# mean and 95% CI")
v = np.array([0.812, 0.845, 0.797, 0.861, 0.830])
lo, hi = stats.t.interval(0.95, len(v) - 1, loc=v.mean(), scale=stats.sem(v))
print(f"mean {v.mean():.15g} half {(hi - lo) / 2:.15g}")
v2 = np.array([0.70, 0.74])
lo, hi = stats.t.interval(0.95, 1, loc=v2.mean(), scale=stats.sem(v2))
print(f"mean {v2.mean():.15g} half {(hi - lo) / 2:.15g}")


def wil(name, x, y=None, method="auto"):
    r = stats.wilcoxon(x, y, zero_method="wilcox", correction=True, method=method)
    z = getattr(r, "zstatistic", float("nan"))
    print(f"{name}: statistic {r.statistic:.15g} p {r.pvalue:.15g} z {z:.15g} ({method})")


print("# Wilcoxon")
# Darwin's Zea mays differences (Fisher, The Design of Experiments; scipy's docs: T = 24, p = 0.041259765625)
zea = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75]
wil("zea exact", zea, method="exact")
wil("zea approx", zea, method="approx")
# Demsar 2006 Table 2: AUC of C4.5 and C4.5+m on 14 data sets (two zeros, ties)
c45 = [0.763, 0.599, 0.954, 0.628, 0.882, 0.936, 0.661, 0.583, 0.775, 1.000, 0.940, 0.619, 0.972, 0.957]
c45m = [0.768, 0.591, 0.971, 0.661, 0.888, 0.931, 0.668, 0.583, 0.838, 1.000, 0.962, 0.666, 0.981, 0.978]
wil("demsar approx", c45m, c45, method="approx")
# 30 and 25/26 distinct differences, no ties
d30 = [((7 * i) % 31 - 15) + 0.1 * i for i in range(30)]
d30 = [d if d != 0 else 0.05 for d in d30]
print("d30 =", d30)
wil("d30 approx", d30, method="approx")
wil("d25 exact", d30[:25], method="exact")
wil("d26 approx", d30[:26], method="approx")
wil("five positive exact", [1.0, 2.0, 3.0, 4.0, 5.0], method="exact")

print("# Friedman (Demsar 2006 Table 6, as in scipy's own test_friedmanchisquare: voting C4.5+cf = 0.9751")
# The paper prints 0.975 twice on the voting row but ranks them 2 and 3; 0.9751
# reproduces its average ranks 3.143, 2.000, 2.893, 1.964 and chi2_F = 9.28
# (no tie correction); scipy's test expects 10.2283464566929, p 0.0167215803284414
# with the tie correction ("verified with matlab and R").
t6 = np.array([
    [0.763, 0.768, 0.771, 0.798], [0.599, 0.591, 0.590, 0.569], [0.954, 0.971, 0.968, 0.967],
    [0.628, 0.661, 0.654, 0.657], [0.882, 0.888, 0.886, 0.898], [0.936, 0.931, 0.916, 0.931],
    [0.661, 0.668, 0.609, 0.685], [0.583, 0.583, 0.563, 0.625], [0.775, 0.838, 0.866, 0.875],
    [1.000, 1.000, 1.000, 1.000], [0.940, 0.962, 0.965, 0.962], [0.619, 0.666, 0.614, 0.669],
    [0.972, 0.981, 0.9751, 0.975], [0.957, 0.978, 0.946, 0.970]])


def friedman(X):
    n, k = X.shape
    R = np.array([stats.rankdata(-row) for row in X]).mean(axis=0)
    if k >= 3:
        chi2, p = stats.friedmanchisquare(*X.T)
    else:  # scipy wants k >= 3; without ties the statistic is the plain formula
        chi2 = 12 * n / (k * (k + 1)) * ((R ** 2).sum() - k * (k + 1) ** 2 / 4)
        p = stats.chi2.sf(chi2, k - 1)
    plain = 12 * n / (k * (k + 1)) * ((R ** 2).sum() - k * (k + 1) ** 2 / 4)
    ff = (n - 1) * chi2 / (n * (k - 1) - chi2) if n * (k - 1) > chi2 else np.inf
    print("avg ranks", ", ".join(f"{r:.15g}" for r in R))
    print(f"chi2 {chi2:.15g} p {p:.15g} chi2_plain {plain:.15g} ff {ff:.15g} "
          f"p_ff {stats.f.sf(ff, k - 1, (k - 1) * (n - 1)):.15g}")
    q = stats.studentized_range.ppf(0.95, k, np.inf) / np.sqrt(2)
    print(f"cd {q * np.sqrt(k * (k + 1) / (6 * n)):.15g}")


friedman(t6)


def wil_rule(name, x, y):
    """The report's rule: exact when <= 25 nonzero differences, no zeros, no ties; else normal."""
    d = np.array(x) - np.array(y)
    nz = d[d != 0]
    exact = len(nz) <= 25 and len(nz) == len(d) and len(np.unique(np.abs(nz))) == len(nz)
    wil(name, x, y, method="exact" if exact else "approx")
    print(f"  n_used {len(nz)} mean diff {d.mean():.15g} wins {(d > 0).sum()} ties {(d == 0).sum()} "
          f"losses {(d < 0).sum()}")


print("# synthetic records (test_stats.c, write_records()): AUROC = k / 1024 with integer k")
labels = ["DAE", "DAE+Random", "DAE+Gaussian", "DAE+ALCN"]
base = [717, 870, 614, 942]
eff = [0, None, 10, 20]
delta = [5, -3, 8, 12, 1, -7, 15, 20, -2, 9, 4, 11]


def k_p2(m, c, s):
    if m == 1:  # DAE+Random: DAE+ALCN plus distinct offsets (exact Wilcoxon)
        return k_p2(3, c, s) + delta[c * 3 + s - 1]
    return base[c] + eff[m] + (7 * c + 5 * s + 3 * m) % 13


seeds = (1, 2, 3)
A = {(m, c, s): k_p2(m, c, s) / 1024.0 for m in range(4) for c in range(4) for s in seeds}
# DAE also has class 0 of seed 4 (an incomplete seed: left out of every statistic)
for m in range(4):
    per_seed = [np.mean([A[m, c, s] for c in range(4)]) for s in seeds]
    lo, hi = stats.t.interval(0.95, 2, loc=np.mean(per_seed), scale=stats.sem(per_seed))
    print(f"{labels[m]}: avg {np.mean(per_seed):.15g} half {(hi - lo) / 2:.15g}")
pairs = [(c, s) for c in range(4) for s in seeds]
for m in range(3):
    wil_rule(f"{labels[m]} vs DAE+ALCN", [A[m, c, s] for c, s in pairs], [A[3, c, s] for c, s in pairs])
friedman(np.array([[A[m, c, s] for m in range(4)] for c, s in pairs]))

print("# p1: DAE, DAE+ALCN; classes 0, 1; seeds 1, 2; k = 500 + 100 m + 10 c + s")
B = {(m, c, s): (500 + 100 * m + 10 * c + s) / 1024.0 for m in range(2) for c in range(2) for s in (1, 2)}
pairs = [(c, s) for c in range(2) for s in (1, 2)]
wil_rule("p1 DAE vs DAE+ALCN", [B[0, c, s] for c, s in pairs], [B[1, c, s] for c, s in pairs])
friedman(np.array([[B[m, c, s] for m in range(2)] for c, s in pairs]))
