/// The random architectures of penalty-sides: one per seed, drawn from the manifest's space.
module Wgan.Experiments.PenaltySides.Architecture

open System
open Wgan.Core
open Wgan.Experiments
open Wgan.Experiments.Manifest
open Wgan.Experiments.PenaltySides.Settings

/// One drawn architecture with its hyperparameters.
type Architecture = { Depth: int; Width: int; Activation: Activation; LearningRate: float; Lambda: float }

/// The architecture of a seed: every choice drawn from a random-number generator seeded by the seed alone.
let architecture (space: Space) (seed: int64) : Architecture =
    let random = Random(int (Seeds.derive seed [ 7 ] % int64 Int32.MaxValue))
    let pick (xs: 'T list) = xs[random.Next xs.Length]
    let lo, hi = space.LearningRate
    let depth = pick space.Depths
    let width = pick space.Widths
    let activation = pick space.Activations
    let learningRate = exp (log lo + random.NextDouble() * (log hi - log lo))
    { Depth = depth; Width = width; Activation = activation; LearningRate = learningRate; Lambda = pick space.Lambdas }

/// E.g. "2 x 64 ReLU, lr 0.000123, lambda 10".
let architectureText (a: Architecture) =
    $"{a.Depth} x {a.Width} {activationText a.Activation}, lr {a.LearningRate:G3}, lambda {plainNumber a.Lambda}"

/// The critic constraint of an arm with penalty coefficient `lambda`.
let constraintOf (arm: Arm) (lambda: float) =
    match arm with
    | TwoSided -> GradientPenalty(lambda, GradientPenalty.TwoSided)
    | OneSided -> GradientPenalty(lambda, GradientPenalty.OneSided)
    | NoConstraint -> LipschitzConstraint.Unconstrained
