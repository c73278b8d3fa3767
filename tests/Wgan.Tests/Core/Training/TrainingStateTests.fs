/// Training state checkpoints: stopping, saving, restoring into fresh objects and continuing is bit-identical
/// to never stopping.
module Wgan.Tests.TrainingStateTests

open System.IO
open Xunit
open TorchSharp
open Wgan.Core

let private spec = TestSupport.plainMlp 2 [ 16; 16 ] 1 ReLU

/// A critic trained on N(0, I) vs N(2, I) batches drawn from its own generator: everything that carries
/// state across steps (parameters, optimiser moments, the random generator) is exercised.
type private Loop(optimizerSpec: OptimizerSpec, lipschitz: LipschitzConstraint, initSeed: uint64) =
    let generator = new torch.Generator(99UL)
    let critic = new Mlp(spec, new torch.Generator(initSeed))
    let optimizer = Optimizer.create optimizerSpec (critic.parameters())
    member _.Step() =
        use _ = torch.NewDisposeScope()
        let real = torch.randn([| 64L; 2L |], generator = generator)
        let fake = Scalars.add (torch.randn([| 64L; 2L |], generator = generator)) 2.0
        (CriticStep.criticStep critic optimizer lipschitz real fake generator).Loss
    member _.Save(losses: float[]) =
        let progress: TrainingState.LoopState = { Counters = [| int64 losses.Length |]; Series = [| losses |] }
        TrainingState.save [ critic ] [ optimizer ] [ generator ] progress
    member _.Restore(bytes) = TrainingState.restore bytes [ critic ] [ optimizer ] [ generator ]
    member _.Parameters = critic.parameters() |> Seq.map (fun p -> p.data<float32>().ToArray()) |> Array.ofSeq

let private resumesExactly optimizerSpec lipschitz =
    TestSupport.pinThreads ()
    let straight = Loop(optimizerSpec, lipschitz, 1UL)
    let straightLosses = Array.init 20 (fun _ -> straight.Step())
    let first = Loop(optimizerSpec, lipschitz, 1UL)
    let firstLosses = Array.init 8 (fun _ -> first.Step())
    let bytes = first.Save firstLosses
    // A fresh loop with other initial weights: everything must come from the checkpoint.
    let resumed = Loop(optimizerSpec, lipschitz, 12345UL)
    let state = resumed.Restore bytes
    Assert.Equal<int64[]>([| 8L |], state.Counters)
    let losses = Array.append state.Series[0] (Array.init 12 (fun _ -> resumed.Step()))
    Assert.Equal<float[]>(straightLosses, losses)
    Assert.Equal<float32[][]>(straight.Parameters, resumed.Parameters)

[<Fact>]
let ``Adam with a gradient penalty resumes bit for bit`` () =
    resumesExactly (Adam(1e-3, 0.5, 0.9)) (GradientPenalty(10.0, GradientPenalty.TwoSided))

[<Fact>]
let ``RMSProp with weight clipping resumes bit for bit`` () =
    resumesExactly (RmsProp 5e-5) (WeightClipping(0.01, BeforeStep))

[<Fact>]
let ``a checkpoint of another architecture is refused`` () =
    let bytes = Loop(Sgd 0.1, Unconstrained, 1UL).Save [||]
    use other = new Mlp({ spec with Hidden = [ 8 ] }, new torch.Generator(1UL))
    use optimizer = Optimizer.create (Sgd 0.1) (other.parameters())
    Assert.ThrowsAny<exn>(fun () ->
        TrainingState.restore bytes [ other ] [ optimizer ] [ new torch.Generator(1UL) ] |> ignore)
    |> ignore
    Assert.Throws<InvalidDataException>(fun () -> TrainingState.restore bytes [] [] [] |> ignore) |> ignore

/// A unit's loop killed right after its second checkpoint and restarted from it logs the same rows as a
/// loop that ran straight through.
[<Fact>]
let ``a training loop killed after a checkpoint resumes to the same rows`` () =
    TestSupport.pinThreads ()
    let build seed =
        let generator = new torch.Generator(7UL)
        let critic = new Mlp(spec, new torch.Generator(seed))
        let optimizer = Optimizer.create (Adam(1e-3, 0.5, 0.9)) (critic.parameters())
        let objects: Wgan.Experiments.TrainingLoop.LoopObjects =
            { Networks = [ critic ]; Optimizers = [ optimizer ]; Generators = [ generator ] }
        let iteration k =
            use _ = torch.NewDisposeScope()
            let real = torch.randn([| 32L; 2L |], generator = generator)
            let fake = Scalars.add (torch.randn([| 32L; 2L |], generator = generator)) 1.0
            let gp = GradientPenalty(10.0, GradientPenalty.TwoSided)
            let r = CriticStep.criticStep critic optimizer gp real fake generator
            Ok(if k % 3 = 0 then Some [| float k; r.EarthMoverEstimate |] else None)
        objects, iteration
    let straightObjects, straightIteration = build 1UL
    let straight, _ =
        Wgan.Experiments.TrainingLoop.run Wgan.Experiments.UnitCheckpoints.None 0 straightObjects 30 straightIteration
    let mutable saved: byte[] option = None
    let mutable saves = 0
    let crashing: Wgan.Experiments.UnitCheckpoints =
        { Load = (fun () -> None)
          Save = (fun bytes -> saved <- Some bytes; saves <- saves + 1; if saves = 2 then failwith "killed")
          Progress = ignore }
    let firstObjects, firstIteration = build 1UL
    Assert.Throws<exn>(fun () -> Wgan.Experiments.TrainingLoop.run crashing 7 firstObjects 30 firstIteration |> ignore)
    |> ignore
    let resumedObjects, resumedIteration = build 555UL
    let heard = ResizeArray<float>()
    let resuming: Wgan.Experiments.UnitCheckpoints = { Load = (fun () -> saved); Save = ignore; Progress = heard.Add }
    let resumed, stopped = Wgan.Experiments.TrainingLoop.run resuming 7 resumedObjects 30 resumedIteration
    Assert.True(stopped.IsNone)
    Assert.Equal<float[][]>(straight, resumed)
    // The unit's progress: iteration k of 30 after each iteration, from the one after the checkpoint (14) on.
    Assert.Equal<float list>([ for k in 15..30 -> float k / 30.0 ], List.ofSeq heard)
