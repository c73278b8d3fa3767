/// The WGAN-GP gradient penalty (Gulrajani et al. 2017, eq. 3 and Algorithm 1) and WGAN weight clipping:
/// closed forms on linear critics, one eps per sample, per-sample norms, double back-propagation checked
/// against finite differences on a tiny Mlp, and clipping in a critic step.
module Wgan.Tests.GradientPenaltyTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Wgan.Core
open Wgan.Tests.Generators
open Wgan.Tests.TestSupport

// ---------------------------------------------------------------------------------------------------
// (a) Linear critics: the penalty in closed form
// ---------------------------------------------------------------------------------------------------

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 60)>]
let ``the penalty of a linear critic is (||w|| - 1)^2, or max(0, ||w|| - 1)^2 one-sided``
    (CriticWeights w)
    (Seed seed)
    (BatchSize batch)
    =
    // f(x) = w.x has gradient w at every x, so every per-sample norm is ||w|| (WGAN-GP eq. 3, App. C).
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let w32 = w |> Array.map float32
    let length = norm (Array.map float w32)
    let wTensor = torch.tensor w32
    let critic (x: torch.Tensor) = x.matmul wTensor
    use data = new torch.Generator(uint64 seed)
    let real = torch.randn([| int64 batch; int64 w.Length |], generator = data)
    let fake = torch.randn([| int64 batch; int64 w.Length |], generator = data)
    let penalty sides =
        use eps = new torch.Generator(uint64 seed + 1UL)
        (GradientPenalty.gradientPenalty sides critic real fake eps).ReadDouble()
    let twoSided, oneSided = penalty GradientPenalty.TwoSided, penalty GradientPenalty.OneSided
    let expectedTwo = (length - 1.0) ** 2.0
    let expectedOne = (max 0.0 (length - 1.0)) ** 2.0
    let close expected actual = abs (actual - expected) <= Float32Tolerance * max 1.0 expected
    ((close expectedTwo twoSided |@ $"two-sided penalty {twoSided}, expected (||w|| - 1)^2 = {expectedTwo}")
     .&. (close expectedOne oneSided |@ $"one-sided penalty {oneSided}, expected max(0, ||w|| - 1)^2 = {expectedOne}"))
    |@ $"||w|| = {length}, w = {show w32}, batch = {batch}"

// ---------------------------------------------------------------------------------------------------
// (b) One eps per sample
// ---------------------------------------------------------------------------------------------------

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 50)>]
let ``interpolate draws one eps per sample`` (Seed seed) (BatchSize batch) =
    // With real = 0 and fake = 1, x^ = eps * 0 + (1 - eps) * 1 = 1 - eps: one value per row (WGAN-GP
    // Algorithm 1 draws eps ~ U[0,1] per sample; PAPERS.md pitfall: one eps for the whole batch).
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use generator = new torch.Generator(uint64 seed)
    let x = GradientPenalty.interpolate (torch.zeros(int64 batch, 3L)) (torch.ones(int64 batch, 3L)) generator
    let v = values x
    let rowsOf = Array.init batch (fun i -> v[3 * i .. 3 * i + 2])
    let firstColumn = rowsOf |> Array.map Array.head
    (x.shape = [| int64 batch; 3L |] |@ $"shape %A{x.shape}")
    .&. (rowsOf |> Array.forall (fun r -> r[1] = r[0] && r[2] = r[0]) |@ $"a row is not constant: {show rowsOf}")
    .&. (firstColumn |> Array.forall (fun e -> e >= 0.0 && e <= 1.0) |@ $"1 - eps outside [0, 1]: {show firstColumn}")
    .&. ((Array.distinct firstColumn).Length > 1 |@ $"all {batch} rows share one eps: {show firstColumn}")

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 30)>]
let ``interpolate broadcasts eps of shape B x 1 x 1 x 1 over 4-D batches`` (Seed seed) (BatchSize batch) =
    // For images [B, C, H, W], eps has shape [B, 1, 1, 1]: each sample's whole slice uses one eps, and the
    // B draws are the same as for a [B, 3] batch from the same seed.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let b = int64 batch
    let image =
        use generator = new torch.Generator(uint64 seed)
        GradientPenalty.interpolate (torch.zeros(b, 2L, 3L, 4L)) (torch.ones(b, 2L, 3L, 4L)) generator
    let flat =
        use generator = new torch.Generator(uint64 seed)
        GradientPenalty.interpolate (torch.zeros(b, 3L)) (torch.ones(b, 3L)) generator
    let slice = 2 * 3 * 4
    let v = values image
    let perSample = Array.init batch (fun i -> v[slice * i .. slice * (i + 1) - 1])
    let flatEps = values flat |> Array.chunkBySize 3 |> Array.map Array.head
    let imageEps = perSample |> Array.map Array.head
    (image.shape = [| b; 2L; 3L; 4L |] |@ $"shape %A{image.shape}")
    .&. (perSample |> Array.forall (fun s -> Array.forall ((=) s[0]) s) |@ "a sample's slice mixes several eps")
    .&. (imageEps = flatEps |@ $"4-D eps {show imageEps} <> 2-D eps {show flatEps}")

// ---------------------------------------------------------------------------------------------------
// (c) Per-sample gradient norms
// ---------------------------------------------------------------------------------------------------

/// f(x) = 1/2 ||x||^2 over all non-batch dimensions: grad f(x) = x, so the norm of sample i is ||x_i||.
let private halfSquaredNorm (x: torch.Tensor) = Scalars.mul ((x * x).flatten(1L).sum(1L)) 0.5

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``inputGradientNorms are per sample`` (PointCloud cloud) =
    // Closed form sqrt(||x_i||^2 + NormEpsilon) per row; a norm over the whole batch would differ for n > 1.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let x = torch.tensor(Array.concat cloud, dtype = torch.float64).reshape(int64 cloud.Length, int64 cloud[0].Length)
    let norms = GradientPenalty.inputGradientNorms halfSquaredNorm x |> values
    let expected = cloud |> Array.map (fun p -> sqrt (Array.sumBy (fun v -> v * v) p + GradientPenalty.NormEpsilon))
    (norms.Length = cloud.Length |@ $"{norms.Length} norms for {cloud.Length} samples")
    .&. (Array.forall2 (fun a b -> abs (a - b) <= Float64Rounding * max 1.0 b) norms expected
         |@ $"norms {show norms}, expected {show expected}")

[<Fact>]
let ``inputGradientNorms of known points`` () =
    // grad of 1/2 ||x||^2 at (0, 0) is 0 (norm sqrt(NormEpsilon) = 1e-6) and at (3, 4) has norm 5.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let x = torch.tensor([| 0.0; 0.0; 3.0; 4.0 |], dtype = torch.float64).reshape(2L, 2L)
    let norms = GradientPenalty.inputGradientNorms halfSquaredNorm x |> values
    Assert.Equal(sqrt GradientPenalty.NormEpsilon, norms[0], 12)
    Assert.Equal(5.0, norms[1], 12)

[<Fact>]
let ``inputGradientNorms take the norm over all non-batch dimensions of a 4-D batch`` () =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use generator = new torch.Generator(7UL)
    let x = torch.randn([| 3L; 2L; 3L; 3L |], dtype = torch.float64, generator = generator)
    let norms = GradientPenalty.inputGradientNorms halfSquaredNorm x |> values
    // Closed form: the Frobenius norm of each [2, 3, 3] sample (grad of 1/2 ||x||^2 is x).
    let expected =
        values x
        |> Array.chunkBySize 18
        |> Array.map (fun s -> sqrt (Array.sumBy (fun v -> v * v) s + GradientPenalty.NormEpsilon))
    Assert.Equal(3, norms.Length)
    for i in 0 .. 2 do Assert.Equal(expected[i], norms[i], 12)

let private mlpSpec inputs hidden activation =
    TestSupport.plainMlp inputs hidden 1 activation

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 30)>]
let ``inputGradientNorms of a batch equal the norms taken one sample at a time`` (PointCloud cloud) (Seed seed) =
    // A non-linear critic (Tanh Mlp, no batch norm): each sample's norm depends on that sample alone.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let d = cloud[0].Length
    use generator = new torch.Generator(uint64 seed)
    use mlp = new Mlp(mlpSpec d [ 5 ] Tanh, generator)
    mlp.``to``(torch.float64) |> ignore
    let critic (x: torch.Tensor) = mlp.call x
    let asBatch (points: float[][]) =
        torch.tensor(Array.concat points, dtype = torch.float64).reshape(int64 points.Length, int64 d)
    let batched = GradientPenalty.inputGradientNorms critic (asBatch cloud) |> values
    let single =
        cloud |> Array.map (fun p -> (GradientPenalty.inputGradientNorms critic (asBatch [| p |]) |> values)[0])
    let distinctPoints = (Array.distinct cloud).Length
    (batched.Length = cloud.Length |@ $"{batched.Length} norms for {cloud.Length} samples")
    .&. (Array.forall2 (fun a b -> abs (a - b) <= Float64Rounding * max 1.0 b) batched single
         |@ $"batched norms {show batched}, one at a time {show single}")
    .&. (if distinctPoints > 1 then
             (Array.distinct batched).Length > 1 |@ $"distinct points, equal norms {show batched}"
         else
             true |@ "a single distinct point")

// ---------------------------------------------------------------------------------------------------
// (d) Double back-propagation against finite differences
// ---------------------------------------------------------------------------------------------------

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 4)>]
let ``the penalty's parameter gradient matches central finite differences`` (Seed seed) =
    // d/dtheta E (||grad_x f_theta(x^)|| - 1)^2 needs create_graph = true (PAPERS.md pitfall); with it,
    // backward() agrees with (P(theta + h e_k) - P(theta - h e_k)) / 2h for every parameter entry k.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use init = new torch.Generator(uint64 seed)
    use mlp = new Mlp(mlpSpec 2 [ 3 ] Tanh, init)
    mlp.``to``(torch.float64) |> ignore
    let real = torch.randn([| 6L; 2L |], dtype = torch.float64, generator = init)
    let fake = Scalars.mul (torch.randn([| 6L; 2L |], dtype = torch.float64, generator = init)) 2.0
    let epsSeed = uint64 seed + 1UL
    // A fresh generator with the same seed for every evaluation: the same eps every time.
    let penalty () =
        use eps = new torch.Generator(epsSeed)
        GradientPenalty.gradientPenalty GradientPenalty.TwoSided mlp.call real fake eps
    let parameters = mlp.parameters() |> Seq.toArray
    (penalty ()).backward()
    // The output bias does not enter grad_x f, so the penalty does not depend on it: libtorch leaves its
    // gradient undefined (null) rather than zero.
    let analytic = parameters |> Array.collect TestSupport.gradientOrZeros
    let numeric =
        parameters
        |> Array.collect (fun p ->
            let flat = p.detach().view(-1L)
            Array.init (int flat.shape[0]) (fun k ->
                let at (delta: float) =
                    let nudge (update: Scalar -> torch.Tensor) =
                        using (torch.no_grad ()) (fun _ -> using (delta.ToScalar()) (update >> ignore))
                    nudge (fun d -> flat[int64 k].add_(d, Scalars.one))
                    // Not under no_grad: the penalty itself differentiates the critic with respect to x^.
                    let value = (penalty ()).ReadDouble()
                    nudge (fun d -> flat[int64 k].sub_(d))
                    value
                (at FiniteDifferenceStep - at -FiniteDifferenceStep) / (2.0 * FiniteDifferenceStep)))
    let worst = Array.map2 (fun a n -> abs (a - n) / (1.0 + abs n)) analytic numeric |> Array.max
    (analytic.Length = 13 |@ $"{analytic.Length} gradient entries, expected 2*3 + 3 + 3*1 + 1 = 13")
    .&. ((numeric |> Array.exists (fun v -> abs v > 1e-6))
         |@ $"the penalty does not depend on the parameters: {show numeric}")
    .&. (worst <= FiniteDifferenceTolerance
         |@ $"analytic {show analytic} vs finite differences {show numeric} (worst {worst})")

// ---------------------------------------------------------------------------------------------------
// (e) Weight clipping
// ---------------------------------------------------------------------------------------------------

let private parameterValues (network: torch.nn.Module) =
    network.parameters() |> Seq.map values |> Seq.toArray

/// The clip bound as the float32 value that clamp_ compares against.
let private bound32 (c: float) = float (float32 c)

/// RMSProp's first step moves every weight with a non-zero gradient by about lr / sqrt(1 - alpha) = 10 lr = 0.5
/// (alpha = 0.99), more than twice the largest bound: without clipping after the step, weights leave [-c, c].
let LearningRate = 0.05

let private stepSetup (seed: int64) =
    let generator = new torch.Generator(uint64 seed)
    let critic = new Mlp(mlpSpec 2 [ 8 ] ReLU, generator)
    let real = torch.randn([| 16L; 2L |], generator = generator)
    let fake = Scalars.add (torch.randn([| 16L; 2L |], generator = generator)) 1.0
    generator, critic, real, fake

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 20)>]
let ``criticStep with AfterStep clipping leaves every parameter in [-c, c]`` (Seed seed) (ClipBound c) =
    // WGAN Algorithm 1 clips after each critic update.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let generator, critic, real, fake = stepSetup seed
    use generator = generator
    use critic = critic
    let before = parameterValues critic |> Array.concat
    use optimizer = Optimizer.create (RmsProp LearningRate) (critic.parameters())
    let result = CriticStep.criticStep critic optimizer (WeightClipping (c, AfterStep)) real fake generator
    let after = parameterValues critic |> Array.concat
    let largest = after |> Array.map abs |> Array.max
    (before |> Array.exists (fun v -> abs v > c) |@ "precondition: the initial weights already lie in [-c, c]")
    .&. (largest <= bound32 c |@ $"max |parameter| = {largest} > c = {c} after the step")
    .&. (Double.IsFinite result.Loss |@ $"loss {result.Loss}")

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 20)>]
let ``criticStep with BeforeStep clipping clips first, then steps`` (Seed seed) (ClipBound c) =
    // The official WGAN code clamps before each critic step: the step must equal clipWeights followed by an
    // unconstrained step, and (RMSProp's first step moves each weight by about 10 lr = 0.5 > 2c) leave
    // weights outside [-c, c].
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let runStep constraintToUse clipFirst =
        let generator, critic, real, fake = stepSetup seed
        use generator = generator
        if clipFirst then LipschitzConstraint.clipWeights c critic
        use optimizer = Optimizer.create (RmsProp LearningRate) (critic.parameters())
        CriticStep.criticStep critic optimizer constraintToUse real fake generator |> ignore
        let result = parameterValues critic
        critic.Dispose()
        result
    let viaBeforeStep = runStep (WeightClipping (c, BeforeStep)) false
    let viaManualClip = runStep Unconstrained true
    let largest = viaBeforeStep |> Array.concat |> Array.map abs |> Array.max
    (viaBeforeStep = viaManualClip |@ "BeforeStep differs from clipWeights then an unconstrained step")
    .&. (largest > bound32 c |@ $"max |parameter| = {largest} <= c = {c}: the step was clipped after as well")

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 20)>]
let ``clipWeights clamps every parameter and is idempotent`` (Seed seed) (ClipBound c) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use generator = new torch.Generator(uint64 seed)
    use critic = new Mlp(mlpSpec 3 [ 6; 4 ] ReLU, generator)
    let original = parameterValues critic |> Array.concat
    LipschitzConstraint.clipWeights c critic
    let once = parameterValues critic |> Array.concat
    LipschitzConstraint.clipWeights c critic
    let twice = parameterValues critic |> Array.concat
    let c32 = bound32 c
    // Elementwise: inside values are kept, outside values go to the nearer bound.
    let expected = original |> Array.map (fun v -> if v > c32 then c32 elif v < -c32 then -c32 else v)
    (original |> Array.exists (fun v -> abs v > c32) |@ "precondition: nothing to clip")
    .&. (once = expected |@ "clipWeights is not the elementwise clamp to [-c, c]")
    .&. (twice = once |@ "clipping twice differs from clipping once")
