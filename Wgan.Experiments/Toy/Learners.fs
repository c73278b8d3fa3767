/// A GAN discriminator or a WGAN critic trained on its own towards optimality, between fixed real and fake
/// distributions: how a manifest names one, the key of its unit, and its training loop (one step on a fresh real and
/// fake batch per iteration, checkpointed). Shared by discriminator-vs-critic (WGAN Figure 2) and vanishing-gradients
/// (GAN 2014 section 3).
module Wgan.Experiments.Learners

open TorchSharp
open Wgan.Core
open Wgan.Experiments.Json
open Wgan.Experiments.Manifest
open Wgan.Experiments.ToyWgan

/// What is trained.
type LearnerKind =
    /// A GAN discriminator (logits; loss -E log D(real) - E log(1 - D(fake))).
    | Discriminator
    /// A WGAN critic kept Lipschitz by the constraint (loss E f(fake) - E f(real)).
    | Critic of LipschitzConstraint

/// A learner of the manifest: its id (used in metric names), its label, its kind and its optimiser.
type Learner = { Id: string; Label: string; Kind: LearnerKind; Optimizer: OptimizerSpec }

/// {"id", "label", "kind": "discriminator" | "critic", "constraint" (critic only), "optimizer"}.
let learner: Decoder<Learner> =
    let kinds =
        [ "discriminator", Fields.succeed Discriminator
          "critic", required "constraint" lipschitzConstraint |> Fields.map Critic ]
    Decode.object (fields {
        let! readKind = required "kind" (Decode.oneOf kinds)
        let! kind = readKind
        and! id = required "id" settingId
        and! label = required "label" Decode.nonEmptyString
        and! optimizerSpec = required "optimizer" optimizer
        return { Id = id; Label = label; Kind = kind; Optimizer = optimizerSpec } })

/// The manifest's "learners": a non-empty list with unique ids.
let learners: Decoder<Learner list> = uniqueIds (fun l -> l.Id) "learner" learner

/// The key of the unit that trains `learner` for `seed`.
let key (seed: int64) (learner: Learner) = $"seed-{seed}/{learner.Id}"

/// Trains `network` as `learner` says for `steps` steps: step k draws a real and a fake batch with `batches` (in that
/// order) and takes one discriminator or critic step on them (the penalty's coefficients from `random`); after it,
/// `log k` may log a row. The network, the `frozen` networks it is trained against, its optimiser and `random` are
/// saved to `checkpoints` every `checkpointEvery` steps, and training resumes from the last save. Returns the logged
/// rows and, if a loss became NaN or infinite, the divergence ("learner loss").
let train
    (learner: Learner)
    (network: Mlp)
    (frozen: Mlp list)
    (random: torch.Generator)
    (checkpoints: UnitCheckpoints)
    (checkpointEvery: int)
    (steps: int)
    (batches: unit -> torch.Tensor * torch.Tensor)
    (log: int -> float[] option)
    : float[][] * Divergence option =
    use optimizer = Optimizer.create learner.Optimizer (network.parameters())
    let step k =
        let loss =
            use _ = torch.NewDisposeScope()
            let real, fake = batches ()
            match learner.Kind with
            | Discriminator -> (CriticStep.discriminatorStep network optimizer real fake).Loss
            | Critic lipschitz -> (CriticStep.criticStep network optimizer lipschitz real fake random).Loss
        match Experiment.divergence "learner loss" k loss with
        | Some d -> Error d
        | None -> Ok(log k)
    let objects: TrainingLoop.LoopObjects =
        { Networks = [ for n in network :: frozen -> n :> torch.nn.Module ]; Optimizers = [ optimizer ]
          Generators = [ random ] }
    TrainingLoop.run checkpoints checkpointEvery objects steps step

/// The units of a run: one per seed and learner, `trainUnit checkpoints seed learner` running one.
let units (learners: Learner list) (run: RunContext) (trainUnit: UnitCheckpoints -> int64 -> Learner -> 'U)
    : UnitOfWork<'U> list =
    [ for seed in run.Seeds do
          for learner in learners ->
              { Key = key seed learner
                Description = $"seed {seed}, {learner.Label}"
                Run = fun checkpoints -> trainUnit checkpoints seed learner } ]

/// The measurement of a learner's unit for a seed, among a run's (key, measurement) pairs.
let measuredBy (measurements: (string * 'U) list) : Learner -> int64 -> 'U =
    let table = dict measurements
    fun learner seed -> table[key seed learner]

/// The per-seed metrics of a run: `learnerMetrics` of every learner's unit, in the learners' order.
let seedMetrics (learners: Learner list) (seeds: int64 list) (found: Learner -> int64 -> 'U)
    (learnerMetrics: Learner -> 'U -> (string * float) list) : SeedMetrics list =
    [ for seed in seeds ->
          { Seed = seed
            Values = readOnlyDict [ for learner in learners do yield! learnerMetrics learner (found learner seed) ] } ]
