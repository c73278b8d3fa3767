/// How capacity-underuse trains its critics against the fixed generator: one after the other in one checkpointed
/// loop, each for a fixed number of steps or until its dual estimate plateaus, a critic whose loss becomes NaN or
/// infinite stopping alone. What the loop carries besides networks, optimisers and random-number generators is one
/// `Progress` record, which a checkpoint saves and a resume restores.
module Wgan.Experiments.CapacityUnderuse.Training

open System
open TorchSharp
open Wgan.Core
open Wgan.Core.ToyData
open Wgan.Experiments
open Wgan.Experiments.CapacityUnderuse.Settings

/// A critic under training: its network, optimiser and random-number generator (its initial weights, batches and
/// penalty coefficients), and its fixed training set if it reads one (gan_toy.py's 25 Gaussians).
type Critic =
    { Kind: CriticKind
      Network: Mlp
      Optimizer: Optimizer
      Random: torch.Generator
      TrainingSet: torch.Tensor option }

/// How a critic's training has ended so far.
type Stop =
    /// It has not stopped.
    | Running
    /// Its loss was NaN or infinite at this step.
    | Diverged of step: int * loss: float
    /// The plateau rule stopped it after this step.
    | Plateaued of step: int

/// What the critics' loop carries from one step to the next besides the networks, optimisers and random-number
/// generators: each critic's stop, and the current critic's plateau evaluations.
type Progress =
    { /// Per critic, in `kinds` order.
      Stops: Stop list
      /// The current critic's plateau evaluations, oldest first (the last two windows are all the rule reads).
      Evaluations: float list }

module Progress =
    /// No critic has trained.
    let start = { Stops = kinds |> List.map (fun _ -> Running); Evaluations = [] }

    /// The progress as a checkpoint's integers: per critic (stop code, step, the loss's float64 bits), then the
    /// number of evaluations and their float64 bits.
    let encode (progress: Progress) : int64[] =
        [| for stop in progress.Stops do
               match stop with
               | Running -> yield! [ 0L; 0L; 0L ]
               | Diverged (step, loss) -> yield! [ 1L; int64 step; BitConverter.DoubleToInt64Bits loss ]
               | Plateaued step -> yield! [ 2L; int64 step; 0L ]
           yield int64 progress.Evaluations.Length
           for e in progress.Evaluations -> BitConverter.DoubleToInt64Bits e |]

    /// The progress `encode` saved.
    let decode (saved: int64[]) : Progress =
        let stop k =
            match saved[3 * k] with
            | 0L -> Running
            | 1L -> Diverged(int saved[3 * k + 1], BitConverter.Int64BitsToDouble saved[3 * k + 2])
            | 2L -> Plateaued(int saved[3 * k + 1])
            | code -> raise (IO.InvalidDataException $"unknown critic stop code {code}")
        let m = kinds.Length
        let count = int saved[3 * m]
        { Stops = List.init m stop
          Evaluations = [ for b in saved[3 * m + 1 .. 3 * m + count] -> BitConverter.Int64BitsToDouble b ] }

/// How one critic's training ended: its stop, the steps it trained (the plateau step, the cap, or the step of its
/// divergence) and its plateau evaluations (steps and estimates).
type Trained =
    { Stop: Stop
      StoppedAt: int
      PlateauSteps: float[]
      PlateauEstimates: float[] }

/// The critic and its own step at step `k` (from 1) of a loop in which each critic in turn takes `steps` steps.
let position (steps: int) (k: int) =
    let critic = (k - 1) / steps
    critic, k - critic * steps

/// The dual estimate E_Pr f - E_Pg f of `network` on the plateau batch (in evaluation mode, then back to training).
let private plateauEstimate (pr: torch.Tensor, pg: torch.Tensor) (network: Mlp) =
    use _ = torch.NewDisposeScope()
    use _ = torch.no_grad()
    network.eval()
    let estimate = (KantorovichRubinstein.dualEstimateOfScores (network.call pr) (network.call pg)).ReadDouble()
    network.train()
    estimate

/// Trains `critics` one after the other on `dataset` against Pr + N(0, sigma^2 I), as `scale` says, in one loop of
/// (critics x MaxSteps) steps (a stopped critic passes its remaining steps without work), saved to `checkpoints` every
/// `checkpointEvery` steps with the progress and resumed from the last save. `plateauBatch` is the plateau rule's
/// fixed batch of Pr and Pg, when the scale uses the rule.
let train (settings: Settings) (scale: ScaleSettings) (dataset: ToyDataset) (device: torch.Device)
    (critics: Critic list) (plateauBatch: (torch.Tensor * torch.Tensor) option) (checkpoints: UnitCheckpoints)
    (checkpointEvery: int) : Trained list =
    let steps = scale.CriticSteps.MaxSteps
    let critics = Array.ofList critics
    let progress = ref Progress.start
    let criticStep (critic: Critic) (s: int) =
        let lipschitz = (criticOf settings critic.Kind).Constraint
        let coupling, sigma = settings.FakeBatch, settings.GeneratorNoise
        use _ = torch.NewDisposeScope()
        let real = ToyWgan.realBatch critic.TrainingSet dataset scale.BatchSize critic.Random s
        ToyWgan.criticStepOnBatch critic.Network critic.Optimizer lipschitz real dataset coupling sigma device
            critic.Random
    let lastOf n (xs: float list) = if xs.Length > n then List.skip (xs.Length - n) xs else xs
    let withStop i stop (p: Progress) = { p with Stops = p.Stops |> List.mapi (fun k x -> if k = i then stop else x) }
    // One step of the loop; logs the plateau evaluations, rows [critic; step; estimate].
    let step k =
        let i, s = position steps k
        if s = 1 then progress.Value <- { progress.Value with Evaluations = [] }
        match progress.Value.Stops[i] with
        | Diverged _
        | Plateaued _ -> Ok []
        | Running ->
            let loss = criticStep critics[i] s
            if not (Double.IsFinite loss) then
                progress.Value <- withStop i (Diverged(s, loss)) progress.Value
                Ok []
            else
                match scale.CriticSteps.Plateau, plateauBatch with
                | Some (rule, _), Some batch when s % rule.EvaluateEvery = 0 ->
                    let estimate = plateauEstimate batch critics[i].Network
                    let evaluations = lastOf (2 * rule.Window) (progress.Value.Evaluations @ [ estimate ])
                    let reached = s >= scale.CriticSteps.MinSteps && Plateau.reached rule (Array.ofList evaluations)
                    let stopped = withStop i (if reached then Plateaued s else Running) progress.Value
                    progress.Value <- { stopped with Evaluations = evaluations }
                    Ok [ [| float i; float s; estimate |] ]
                | _ -> Ok []
    let counters: TrainingLoop.LoopCounters =
        { Read = fun () -> Progress.encode progress.Value
          Write = fun saved -> progress.Value <- Progress.decode saved }
    let objects: TrainingLoop.LoopObjects =
        { Networks = [ for c in critics -> c.Network :> torch.nn.Module ]
          Optimizers = [ for c in critics -> c.Optimizer ]
          Generators = [ for c in critics -> c.Random ] }
    let total = critics.Length * steps
    let rows, _ = TrainingLoop.runWith checkpoints checkpointEvery objects counters total (fun () -> []) step
    progress.Value.Stops
    |> List.mapi (fun i stop ->
        let trace = rows |> Array.filter (fun r -> int r[0] = i)
        { Stop = stop
          StoppedAt =
            match stop with
            | Diverged (s, _)
            | Plateaued s -> s
            | Running -> steps
          PlateauSteps = trace |> Array.map (fun r -> r[1])
          PlateauEstimates = trace |> Array.map (fun r -> r[2]) })
