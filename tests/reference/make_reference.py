#!/usr/bin/python3
"""Generate the PyTorch reference data that tests/reference/test_reference.c
checks our layer ops against (forward and backward, fixed inputs).

Run with Debian's torch (1.13, CPU):  /usr/bin/python3 tests/reference/make_reference.py
and commit tests/reference/data/: CI never needs PyTorch.

Precision: every input is drawn in float32 from a seeded torch.Generator (so the
stored float32 values are exactly the inputs used), then cast to float64; the
op, its backward and the optimiser run in float64 and the results are cast to
float32 when written.  The references are thus the exact answers rounded once.

Backward uses a stored, fixed upstream gradient `dy` (not ones), so input
gradients are non-trivial.  Losses use their own scalar backward (dL/dL = 1).

File format (little endian), one file per case, <name>.ref:
  "ALCNREF1" (8 bytes), uint32 version = 1, uint32 tensor count, then per tensor:
  uint32 name length, name bytes (no NUL), uint32 ndim, int32 dims[ndim],
  float32 data[prod(dims)].
Integer hyper-parameters are stored as small float tensors (exact)."""
import os
import struct
import sys

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
MAGIC = b"ALCNREF1"
VERSION = 1
D = torch.float64


def write_case(name, tensors):
    """tensors: list of (name, tensor or list of floats)."""
    blob = bytearray(MAGIC)
    blob += struct.pack("<II", VERSION, len(tensors))
    for tname, t in tensors:
        if not torch.is_tensor(t):
            t = torch.tensor(t, dtype=D)
        t = t.detach().to(torch.float32).contiguous()
        nb = tname.encode()
        blob += struct.pack("<I", len(nb)) + nb
        blob += struct.pack("<I", t.dim())
        blob += struct.pack("<%di" % t.dim(), *t.shape)
        blob += struct.pack("<%df" % t.numel(), *t.flatten().tolist())
    with open(os.path.join(OUT, name + ".ref"), "wb") as f:
        f.write(blob)
    return len(blob)


class Gen:
    """Seeded float32 draws returned as float64 tensors (exact copies)."""

    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def u(self, *shape, lo=-1.0, hi=1.0):
        x = torch.rand(*shape, generator=self.g, dtype=torch.float32)
        return (x * (hi - lo) + lo).to(torch.float32).to(D)

    def n(self, *shape):
        return torch.randn(*shape, generator=self.g, dtype=torch.float32).to(D)


def leaf(t):
    return t.clone().requires_grad_(True)


# ----------------------------------------------------------------- conv
def conv_case(name, seed, N, C, H, W, K, R, S, stride, pad, out_pad, transposed):
    g = Gen(seed)
    x = g.u(N, C, H, W)
    fan = (K if transposed else C) * R * S
    bound = 1.0 / fan ** 0.5
    w = g.u(*((C, K, R, S) if transposed else (K, C, R, S)), lo=-bound, hi=bound)
    b = g.u(K, lo=-bound, hi=bound)
    xl, wl, bl = leaf(x), leaf(w), leaf(b)
    if transposed:
        y = F.conv_transpose2d(xl, wl, bl, stride=stride, padding=pad, output_padding=out_pad)
    else:
        y = F.conv2d(xl, wl, bl, stride=stride, padding=pad)
    dy = g.u(*y.shape)
    y.backward(dy)
    dims = [N, C, H, W, K, R, S, stride, pad, out_pad, 1 if transposed else 0]
    return write_case(name, [("dims", dims), ("x", x), ("w", w), ("b", b), ("y", y),
                             ("dy", dy), ("dx", xl.grad), ("dw", wl.grad), ("db", bl.grad)])


def linear_case(seed):
    g = Gen(seed)
    N, I, O = 3, 7, 5
    x, w, b = g.u(N, I), g.u(O, I, lo=-0.4, hi=0.4), g.u(O, lo=-0.4, hi=0.4)
    xl, wl, bl = leaf(x), leaf(w), leaf(b)
    y = F.linear(xl, wl, bl)
    dy = g.u(N, O)
    y.backward(dy)
    return write_case("linear", [("dims", [N, I, O]), ("x", x), ("w", w), ("b", b), ("y", y),
                                 ("dy", dy), ("dx", xl.grad), ("dw", wl.grad), ("db", bl.grad)])


def act_case(name, seed, fn, slope=0.0):
    g = Gen(seed)
    x = g.u(2, 3, 4, 5, lo=-3.0, hi=3.0)
    xl = leaf(x)
    y = fn(xl)
    dy = g.u(*y.shape)
    y.backward(dy)
    return write_case(name, [("slope", [slope]), ("x", x), ("y", y), ("dy", dy), ("dx", xl.grad)])


def bn_cases(seed):
    g = Gen(seed)
    N, C, H, W = 4, 3, 5, 5
    eps, mom = 1e-5, 0.1
    x = g.u(N, C, H, W, lo=-2.0, hi=3.0)
    gamma, beta = g.u(C, lo=0.5, hi=1.5), g.u(C, lo=-0.5, hi=0.5)
    rm0, rv0 = g.u(C, lo=-0.3, hi=0.3), g.u(C, lo=0.5, hi=2.0)
    xl, gl, bl = leaf(x), leaf(gamma), leaf(beta)
    rm, rv = rm0.clone(), rv0.clone()
    y = F.batch_norm(xl, rm, rv, gl, bl, training=True, momentum=mom, eps=eps)
    dy = g.u(N, C, H, W)
    y.backward(dy)
    n = write_case("bn_train", [("dims", [N, C, H * W, eps, mom]), ("x", x), ("gamma", gamma),
                                ("beta", beta), ("running_mean0", rm0), ("running_var0", rv0),
                                ("y", y), ("dy", dy), ("dx", xl.grad), ("dgamma", gl.grad),
                                ("dbeta", bl.grad), ("running_mean", rm), ("running_var", rv)])
    ye = F.batch_norm(x, rm0, rv0, gamma, beta, training=False, momentum=mom, eps=eps)
    n += write_case("bn_eval", [("dims", [N, C, H * W, eps, mom]), ("x", x), ("gamma", gamma),
                                ("beta", beta), ("running_mean", rm0), ("running_var", rv0),
                                ("y", ye)])
    return n


def loss_case(name, seed, fn, target01=False):
    g = Gen(seed)
    p = g.u(2, 3, 5, 4, lo=-2.0, hi=2.0)
    t = g.u(2, 3, 5, 4, lo=0.0, hi=1.0) if target01 else g.u(2, 3, 5, 4, lo=-2.0, hi=2.0)
    pl = leaf(p)
    loss = fn(pl, t)
    loss.backward()
    return write_case(name, [("pred", p), ("target", t), ("loss", [loss.item()]), ("dpred", pl.grad)])


# Exact copy of ffl_loss and _to_freq from /work/shared/peers/torch_alcn.py.
def _to_freq(x):
    f = torch.fft.fft2(x.unsqueeze(1), norm="ortho")
    return torch.stack([f.real, f.imag], -1)


def ffl_loss(pred, target, alpha=1.0):
    pf = _to_freq(pred)
    tf_ = _to_freq(target)
    d2 = (pf - tf_) ** 2
    dist = d2[..., 0] + d2[..., 1]  # squared spectral distance |F'-F|^2
    with torch.no_grad():
        w = torch.sqrt(dist) ** alpha
        w = w / w.amax(dim=(-2, -1), keepdim=True)
        w[torch.isnan(w)] = 0.0
        w = torch.clamp(w, 0.0, 1.0)
    return torch.mean(w * dist)


def ffl_case(name, seed, alpha):
    g = Gen(seed)
    N, C, H, W = 2, 2, 6, 5  # odd W: catches half-spectrum (r2c) bookkeeping bugs
    p, t = g.u(N, C, H, W, lo=0.0, hi=1.0), g.u(N, C, H, W, lo=0.0, hi=1.0)
    pl = leaf(p)
    loss = ffl_loss(pl, t, alpha)
    loss.backward()
    return write_case(name, [("dims", [N, C, H, W, alpha]), ("pred", p), ("target", t),
                             ("loss", [loss.item()]), ("dpred", pl.grad)])


def adam_case(name, seed, beta1, beta2, wd, lr=0.01, eps=1e-8, steps=3):
    g = Gen(seed)
    n = 10
    p0 = g.u(n)
    grads = [g.u(n, lo=-0.5, hi=0.5) for _ in range(steps)]
    p = p0.clone().requires_grad_(True)
    opt = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=wd)
    out = [("hparams", [lr, beta1, beta2, eps, wd]), ("p0", p0)]
    for k, gr in enumerate(grads):
        p.grad = gr.clone()
        opt.step()
        out += [("g%d" % (k + 1), gr), ("p%d" % (k + 1), p.detach().clone())]
    st = opt.state[p]
    out += [("m", st["exp_avg"]), ("v", st["exp_avg_sq"])]
    return write_case(name, out)


def dae_case(seed):
    """The paper's DAE on a 2x1x28x28 batch with MSE loss: loss, output and
    every weight gradient (Conv(1,16,5) ReLU Conv(16,32,5) ReLU ConvT(32,16,5)
    ReLU ConvT(16,1,5), linear output)."""
    g = Gen(seed)
    x = g.u(2, 1, 28, 28, lo=0.0, hi=1.0)      # noisy input
    tgt = g.u(2, 1, 28, 28, lo=0.0, hi=1.0)    # clean target
    shapes = [("w1", (16, 1, 5, 5)), ("b1", (16,)), ("w2", (32, 16, 5, 5)), ("b2", (32,)),
              ("w3", (32, 16, 5, 5)), ("b3", (16,)), ("w4", (16, 1, 5, 5)), ("b4", (1,))]
    fans = {"1": 25, "2": 16 * 25, "3": 16 * 25, "4": 1 * 25}  # PyTorch's fan_in (ConvT: dim 1)
    prm = {}
    for nm, shp in shapes:
        bound = 1.0 / fans[nm[1]] ** 0.5
        prm[nm] = leaf(g.u(*shp, lo=-bound, hi=bound))
    h = F.relu(F.conv2d(x, prm["w1"], prm["b1"]))
    h = F.relu(F.conv2d(h, prm["w2"], prm["b2"]))
    h = F.relu(F.conv_transpose2d(h, prm["w3"], prm["b3"]))
    y = F.conv_transpose2d(h, prm["w4"], prm["b4"])
    loss = F.mse_loss(y, tgt)
    loss.backward()
    out = [("x", x), ("target", tgt)] + [(nm, prm[nm]) for nm, _ in shapes]
    out += [("y", y), ("loss", [loss.item()])] + [("d" + nm, prm[nm].grad) for nm, _ in shapes]
    return write_case("dae", out)


def main():
    os.makedirs(OUT, exist_ok=True)
    total = 0
    #                     name               seed  N  C  H  W  K  R  S  st pad op  T
    total += conv_case("conv_s1_p0",         101, 2, 3, 7, 6, 4, 3, 3, 1, 0, 0, False)
    total += conv_case("conv_s1_p1",         102, 2, 3, 7, 6, 4, 3, 3, 1, 1, 0, False)
    total += conv_case("conv_s2_p1",         103, 2, 3, 8, 7, 4, 3, 3, 2, 1, 0, False)
    total += conv_case("conv_s2_p2_k5",      104, 2, 2, 9, 8, 3, 5, 5, 2, 2, 0, False)
    total += conv_case("conv_s1_p1_k3x2",    105, 2, 3, 6, 5, 4, 3, 2, 1, 1, 0, False)
    total += conv_case("convt_s1_p0",        201, 2, 3, 5, 4, 4, 3, 3, 1, 0, 0, True)
    total += conv_case("convt_s1_p1",        202, 2, 3, 5, 4, 4, 3, 3, 1, 1, 0, True)
    total += conv_case("convt_s2_p0",        203, 2, 3, 4, 5, 4, 3, 3, 2, 0, 0, True)
    total += conv_case("convt_s2_p1_op1",    204, 2, 3, 4, 5, 4, 3, 3, 2, 1, 1, True)
    total += conv_case("convt_s2_p0_op1_k5", 205, 2, 2, 4, 3, 3, 5, 5, 2, 0, 1, True)
    total += conv_case("convt_s1_p1_k3x2",   206, 2, 3, 5, 4, 4, 3, 2, 1, 1, 0, True)
    total += linear_case(301)
    total += act_case("relu", 401, F.relu)
    total += act_case("lrelu", 402, lambda t: F.leaky_relu(t, 0.2), 0.2)
    total += act_case("sigmoid", 403, torch.sigmoid)
    total += act_case("tanh", 404, torch.tanh)
    total += bn_cases(501)
    total += loss_case("mse", 601, F.mse_loss)
    total += loss_case("l1", 602, F.l1_loss)
    total += loss_case("bce_logits", 603, F.binary_cross_entropy_with_logits, target01=True)
    total += ffl_case("ffl_a1", 701, 1.0)
    total += ffl_case("ffl_a2", 702, 2.0)
    total += adam_case("adam_b09", 801, 0.9, 0.999, 0.0)
    total += adam_case("adam_b09_wd", 802, 0.9, 0.999, 0.01)
    total += adam_case("adam_b05", 803, 0.5, 0.999, 0.0)
    total += adam_case("adam_b05_wd", 804, 0.5, 0.999, 0.1)
    total += dae_case(901)
    print("wrote %s: %d bytes (torch %s)" % (OUT, total, torch.__version__))
    if total >= 1 << 20:
        sys.exit("reference data too large")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
