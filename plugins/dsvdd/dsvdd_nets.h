/* Deep SVDD's bias-free LeNet-type networks (method plugin "dsvdd"), after
 * the official code (github.com/lukasruff/Deep-SVDD-PyTorch,
 * src/networks/mnist_LeNet.py and cifar10_LeNet.py). Every conv and linear
 * layer is without bias, BatchNorm is without affine (eps 1e-4), the
 * activation is F.leaky_relu's default slope 0.01. Block = Conv(k5, p2, no
 * bias) BN LReLU MaxPool(2,2).
 *
 * arch "mnist" (28x28, any C): phi = Block(C->8) Block(8->4) -> Linear(4*7*7, 32)
 *   decoder (pre-training): 32 -> reshape (2,4,4) -> LReLU -> Up2 -> ConvT(2,4,5,p2)
 *   BN LReLU Up2 -> ConvT(4,8,5,p3) (14x14) BN LReLU Up2 -> ConvT(8,C,5,p2)
 * arch "cifar" (32x32 and the strided variant for 64..256: H = W = 4*2^b, b >= 3):
 *   phi = Block(C->32) Block(32->64) Block(64->128) [Block(128->128)] x (b-3)
 *         -> Linear(128*4*4, 128)
 *   decoder: BN1d(128) -> reshape (8,4,4) -> LReLU -> ConvT(8,w_b,5,p2) BN LReLU Up2
 *            -> [ConvT(w_i+1, w_i, 5, p2) BN LReLU Up2] for i = b-1..1 -> ConvT(32,C,5,p2)
 *   with w = 32, 64, 128, 128, ...; at 32 px exactly the official CIFAR-10 pair
 *   (the BN1d after fc1 belongs to the autoencoder only, so it opens the
 *   decoder here and phi stays the Deep SVDD net). At 256 px phi has 6
 *   blocks; its Linear stays 2048 x 128.
 * arch "auto": mnist at 28x28, else cifar where the size fits.
 * Up2 = nearest upsampling by 2 (F.interpolate). Differences from the
 * official code: the decoder output is linear, not a sigmoid (our data are
 * standardised); weights use PyTorch's default init (the official CIFAR nets
 * use Xavier-uniform with the leaky-ReLU gain). */
#ifndef ALCN_DSVDD_NETS_H
#define ALCN_DSVDD_NETS_H

#include "alcn/net.h"

#define DSVDD_ARCH_CHOICES "auto|mnist|cifar"
enum { DSVDD_ARCH_AUTO = 0, DSVDD_ARCH_MNIST = 1, DSVDD_ARCH_CIFAR = 2 };

/* Resolve arch for the image size (*resolved: MNIST or CIFAR; *blocks: the
 * number of conv-pool blocks); ALCN_ERR_ARG naming the sizes that fit. */
alcn_status dsvdd_resolve_arch(int arch, int C, int H, int W, int *resolved, int *blocks);
/* phi: (C,H,W) -> (rep); not finalized. */
alcn_status dsvdd_build_phi(alcn_net **out, alcn_backend *be, int arch, int blocks, int C, int H, int W);
/* The pre-training decoder: (rep,1,1) -> (C,H,W); not finalized. */
alcn_status dsvdd_build_decoder(alcn_net **out, alcn_backend *be, int arch, int blocks, int C, int H, int W);

#endif
