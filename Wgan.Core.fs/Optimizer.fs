/// Optimisers as values, so that a manifest can name them (WGAN: RMSProp; WGAN-GP: Adam).
namespace Wgan.Core

open TorchSharp

/// An optimiser and its hyperparameters.
type OptimizerSpec =
    /// RMSProp (PyTorch defaults: alpha 0.99, eps 1e-8), as in WGAN Algorithm 1 (lr 5e-5).
    | RmsProp of learningRate: float
    /// Adam, as in WGAN-GP Algorithm 1 (lr 1e-4, beta1 0, beta2 0.9).
    | Adam of learningRate: float * beta1: float * beta2: float
    /// Plain stochastic gradient descent.
    | Sgd of learningRate: float

module Optimizer =
    /// A fresh optimiser over `parameters`.
    let create (spec: OptimizerSpec) (parameters: seq<Modules.Parameter>) : torch.optim.Optimizer =
        match spec with
        // Not torch.optim.RMSProp: TorchSharp 0.107's corrupts memory when disposed (see RmsPropOptimizer).
        | RmsProp lr -> new RmsPropOptimizer(parameters, lr)
        | Adam (lr, beta1, beta2) -> torch.optim.Adam(parameters, lr, beta1, beta2)
        | Sgd lr -> torch.optim.SGD(parameters, lr)
