/// The Lipschitz tools of WGAN-GP Figure 1: per-layer gradient norms and input-gradient norms checked against
/// finite differences, the empirical Lipschitz constant against the spectral-norm bound, weak duality for a
/// critic rescaled by that bound, linear critics in closed form, and the weight statistics.
module Wgan.Tests.LipschitzToolsTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Wgan.Core
open Wgan.Tests.Generators
open Wgan.Tests.TestSupport

/// EarthMover rounds costs to 1e-9 of the largest distance (EarthMover.CostResolution), at most
/// MaxDiameter = 40 here; float64 sums of at most 12 terms add ~1e-14. 1e-7 covers both.
let TransportTolerance = 1e-7

let private activations = [| ReLU; LeakyReLU 0.2; Tanh; Softplus |]

/// A small MLP (no normalisation) whose shape and weights are fixed by `seed`: 1-3 hidden layers of width
/// 1-12, one of the four activations.
let private smallMlp (inputs: int) (seed: int64) (generator: torch.Generator) =
    let r = Random(int (seed % int64 Int32.MaxValue))
    let hidden = List.init (r.Next(1, 4)) (fun _ -> r.Next(1, 13))
    let activation = activations[r.Next activations.Length]
    new Mlp(TestSupport.plainMlp inputs hidden 1 activation, generator)

let private setWeights (linear: Modules.Linear) (weight: float[][]) (bias: float[]) =
    use _ = torch.no_grad()
    let rows, columns = int64 weight.Length, int64 weight[0].Length
    linear.weight.copy_(torch.tensor(Array.concat weight, dtype = linear.weight.dtype).reshape(rows, columns)) |> ignore
    linear.bias.copy_(torch.tensor(bias, dtype = linear.bias.dtype)) |> ignore

// ---------------------------------------------------------------------------------------------------
// Empirical Lipschitz constant vs the spectral bound, and weak duality
// ---------------------------------------------------------------------------------------------------

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 60)>]
let ``a clipped MLP's empirical Lipschitz constant never exceeds its spectral bound`` (Seed seed) =
    // ||f(x) - f(y)|| <= prod_l ||W_l||_2 * prod Lip(activation) ||x - y||, so every gradient norm is at most
    // the product (composition of Lipschitz maps); clipping changes the weights, not the argument.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use generator = new torch.Generator(uint64 seed)
    use critic = smallMlp 2 seed generator
    let bound = [| 0.01; 0.1; 0.5; 1.0 |][int (seed % 4L)]
    LipschitzConstraint.clipWeights bound critic
    let points = Scalars.mul (torch.randn([| 128L; 2L |], generator = generator)) 3.0
    let empirical = LipschitzTools.empiricalLipschitz critic.call points
    let spectral = LipschitzTools.spectralBound critic
    empirical <= spectral * (1.0 + Float32Tolerance)
    |@ $"empirical {empirical} > spectral bound {spectral} (clip {bound}, spec %A{critic.Spec})"

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 60)>]
let ``a critic divided by its spectral bound estimates at most the exact W1`` (CloudPair (p, q)) (Seed seed) =
    // f / prod ||W_l|| is 1-Lipschitz, so E_p f - E_q f <= W1(p, q) (Kantorovich-Rubinstein weak duality,
    // WGAN eq. 2), with W1 from the exact optimal-transport solver.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use generator = new torch.Generator(uint64 seed)
    use critic = smallMlp p[0].Length seed generator
    critic.``to``(torch.float64) |> ignore
    let cloud (c: float[][]) = torch.tensor(Array.concat c).reshape(int64 c.Length, int64 c[0].Length)
    let estimate =
        use _ = torch.no_grad()
        (KantorovichRubinstein.dualEstimateOfScores (critic.call (cloud p)) (critic.call (cloud q))).ReadDouble()
    let normalised = estimate / LipschitzTools.spectralBound critic
    let w1 = EarthMover.earthMover p q
    normalised <= w1 + TransportTolerance |@ $"normalised estimate {normalised} > W1 {w1}"

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 60)>]
let ``a linear critic w.x has Lipschitz constant, spectral bound and penalty in closed form``
    (CriticWeights w)
    (Seed seed)
    =
    // f(x) = w.x + b: grad f = w everywhere, so the empirical constant and the only singular value are
    // ||w||, and the two-sided penalty is (||w|| - 1)^2 (WGAN-GP eq. 3).
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use generator = new torch.Generator(uint64 seed)
    use critic = new Mlp(TestSupport.plainMlp w.Length [] 1 ReLU, generator)
    critic.``to``(torch.float64) |> ignore
    setWeights critic.Linears[0] [| w |] [| 0.5 |]
    let length = norm w
    let real = torch.randn([| 16L; int64 w.Length |], dtype = torch.float64, generator = generator)
    let fake = torch.randn([| 16L; int64 w.Length |], dtype = torch.float64, generator = generator)
    let empirical = LipschitzTools.empiricalLipschitz critic.call real
    let spectral = LipschitzTools.spectralBound critic
    let penalty =
        (GradientPenalty.gradientPenalty GradientPenalty.TwoSided critic.call real fake generator).ReadDouble()
    // The penalty's norm has NormEpsilon = 1e-12 inside the square root: sqrt(||w||^2 + 1e-12) - ||w|| <= 1e-6.
    (abs (empirical - length) <= 1e-12 * max 1.0 length |@ $"empirical {empirical}, ||w|| = {length}")
    .&. (abs (spectral - length) <= 1e-12 * max 1.0 length |@ $"spectral {spectral}, ||w|| = {length}")
    .&. (abs (penalty - (length - 1.0) ** 2.0) <= 1e-5 |@ $"penalty {penalty}, (||w|| - 1)^2 = {(length - 1.0) ** 2.0}")

[<Fact>]
let ``spectral norms of known matrices`` () =
    // diag(3, -5, 1) has singular values 5, 3, 1; the rank-one u v^T with u = (1, 2), v = (2, 0, 1) has the
    // single non-zero one ||u|| ||v|| = sqrt 5 sqrt 5 = 5.
    TestSupport.pinThreads ()
    use diagonal = torch.tensor([| 3.0; 0.0; 0.0; 0.0; -5.0; 0.0; 0.0; 0.0; 1.0 |]).reshape(3L, 3L)
    Assert.Equal(5.0, LipschitzTools.spectralNorm diagonal, 12)
    use rankOne = torch.tensor([| 2.0; 0.0; 1.0; 4.0; 0.0; 2.0 |]).reshape(2L, 3L)
    Assert.Equal(5.0, LipschitzTools.spectralNorm rankOne, 12)

[<Fact>]
let ``activation Lipschitz constants`` () =
    // Derivatives: ReLU in {0, 1}, tanh in (0, 1], softplus (the sigmoid) in (0, 1), LeakyReLU(a) in {a, 1}.
    Assert.Equal(1.0, LipschitzTools.activationLipschitz ReLU)
    Assert.Equal(1.0, LipschitzTools.activationLipschitz Tanh)
    Assert.Equal(1.0, LipschitzTools.activationLipschitz Softplus)
    Assert.Equal(1.0, LipschitzTools.activationLipschitz (LeakyReLU 0.2))
    Assert.Equal(3.0, LipschitzTools.activationLipschitz (LeakyReLU 3.0))

[<Fact>]
let ``the spectral bound refuses normalised networks`` () =
    TestSupport.pinThreads ()
    use generator = new torch.Generator(1UL)
    use critic = new Mlp({ TestSupport.plainMlp 2 [ 4 ] 1 ReLU with Normalization = LayerNorm }, generator)
    Assert.Throws<ArgumentException>(fun () -> LipschitzTools.spectralBound critic |> ignore) |> ignore

// ---------------------------------------------------------------------------------------------------
// Per-layer and input gradient norms against finite differences
// ---------------------------------------------------------------------------------------------------

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 40)>]
let ``there is one per-layer gradient norm per hidden layer, finite and non-negative`` (Seed seed) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use generator = new torch.Generator(uint64 seed)
    use critic = smallMlp 2 seed generator
    let real, fake = torch.randn([| 8L; 2L |], generator = generator), torch.randn([| 6L; 2L |], generator = generator)
    let norms = LipschitzTools.perLayerGradientNorms critic real fake
    (norms.Length = critic.Spec.Hidden.Length |@ $"{norms.Length} norms for {critic.Spec.Hidden.Length} hidden layers")
    .&. (norms |> Array.forall (fun v -> Double.IsFinite v && v >= 0.0) |@ $"norms {show norms}")
    .&. (critic.parameters() |> Seq.forall (fun p -> isNull p.grad) |@ "a parameter was left with a gradient")

/// A tiny float64 tanh critic 2 -> 3 -> 4 -> 1 with weights from `seed`.
let private tinyCritic (generator: torch.Generator) =
    let critic = new Mlp(TestSupport.plainMlp 2 [ 3; 4 ] 1 Tanh, generator)
    critic.``to``(torch.float64) |> ignore
    critic

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 20)>]
let ``per-layer gradient norms match finite differences on a tiny network`` (Seed seed) =
    // L(h_l) = mean over fake rows - mean over real rows of the network's tail after hidden layer l applied
    // to h_l; its gradient, by central differences coordinate by coordinate, has the norm that
    // perLayerGradientNorms computes by back-propagation.
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use generator = new torch.Generator(uint64 seed)
    use critic = tinyCritic generator
    let real = torch.randn([| 3L; 2L |], dtype = torch.float64, generator = generator)
    let fake = torch.randn([| 2L; 2L |], dtype = torch.float64, generator = generator)
    let analytic = LipschitzTools.perLayerGradientNorms critic real fake
    let _, hidden = critic.ForwardWithActivations(torch.cat([| real; fake |], 0L))
    let linears = critic.Linears
    let tail (layer: int) (h: torch.Tensor) =
        let mutable x = h
        for k in layer + 1 .. hidden.Length - 1 do x <- linears[k].call(x).tanh()
        linears[linears.Length - 1].call x
    let loss layer (h: float[]) =
        use _ = torch.no_grad()
        let scores = tail layer (torch.tensor(h).reshape(5L, -1L)) |> values
        Array.average scores[3..] - Array.average scores[..2]
    let numeric =
        Array.init hidden.Length (fun layer ->
            let h = values hidden[layer]
            Array.init h.Length (fun i ->
                let shifted delta = Array.mapi (fun j v -> if j = i then v + delta else v) h
                (loss layer (shifted FiniteDifferenceStep) - loss layer (shifted -FiniteDifferenceStep))
                / (2.0 * FiniteDifferenceStep))
            |> norm)
    Array.forall2 (fun a n -> abs (a - n) <= FiniteDifferenceTolerance * max 1.0 n) analytic numeric
    |@ $"back-propagated {show analytic}, finite differences {show numeric}"

[<Property(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 20)>]
let ``input-gradient norms match finite differences on a tiny network`` (Seed seed) =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    use generator = new torch.Generator(uint64 seed)
    use critic = tinyCritic generator
    let points = torch.randn([| 4L; 2L |], dtype = torch.float64, generator = generator)
    let analytic = LipschitzTools.inputGradientNorms critic.call points
    let f (x: float[]) =
        use _ = torch.no_grad()
        (critic.call (torch.tensor(x).reshape(1L, 2L))).ReadDouble()
    let numeric =
        values points
        |> Array.chunkBySize 2
        |> Array.map (fun x ->
            Array.init 2 (fun i ->
                let shifted delta = Array.mapi (fun j v -> if j = i then v + delta else v) x
                (f (shifted FiniteDifferenceStep) - f (shifted -FiniteDifferenceStep)) / (2.0 * FiniteDifferenceStep))
            |> norm)
    (Array.forall2 (fun a n -> abs (a - n) <= FiniteDifferenceTolerance * max 1.0 n) analytic numeric
     |@ $"back-propagated {show analytic}, finite differences {show numeric}")
    .&. (LipschitzTools.empiricalLipschitz critic.call points = Array.max analytic
         |@ "the empirical constant is not the largest norm")

// ---------------------------------------------------------------------------------------------------
// Weight statistics
// ---------------------------------------------------------------------------------------------------

[<Fact>]
let ``fraction at the bounds counts weights within 1% of +-c`` () =
    // c = 0.01: |w| in [0.0099, 0.0101] counts. 0.01, -0.01, 0.00995 and -0.01005 are in; 0.0098, 0,
    // 0.005 and 0.0102 are out: 4 of 8.
    let weights = [| 0.01; -0.01; 0.00995; -0.01005; 0.0098; 0.0; 0.005; 0.0102 |]
    Assert.Equal(0.5, LipschitzTools.fractionAtBounds 0.01 weights)
    // Own extremes: max |w| = 0.0102, and only 0.0102 itself lies within 1% of it ([0.010098, 0.010302]).
    Assert.Equal(1.0 / 8.0, LipschitzTools.fractionAtExtremes weights)
    Assert.True(Double.IsNaN(LipschitzTools.fractionAtBounds 0.01 [||]))
    Assert.Throws<ArgumentException>(fun () -> LipschitzTools.fractionAtBounds 0.0 weights |> ignore) |> ignore

[<Fact>]
let ``clipping a wide initialisation puts most weights at the bounds`` () =
    // Weights uniform in +-1/sqrt(fan_in) = +-1/16 (fan_in 256) clipped to +-0.01: |w| >= 0.0099 has
    // probability 1 - 0.0099 * 16 = 0.8416 (and |w| <= 0.0101 after clipping always).
    TestSupport.pinThreads ()
    use generator = new torch.Generator(3UL)
    use critic = new Mlp(TestSupport.plainMlp 256 [] 256 ReLU, generator)
    LipschitzConstraint.clipWeights 0.01 critic
    let fraction = LipschitzTools.fractionAtBounds 0.01 (LipschitzTools.weights critic)
    // 65,536 weights: the binomial standard deviation is sqrt(0.84 * 0.16 / 65536) = 0.0014; 0.01 is 7 of them.
    Assert.InRange(fraction, 0.8416 - 0.01, 0.8416 + 0.01)

[<Property(Arbitrary = [| typeof<Arbitraries> |])>]
let ``histogram counts every finite value in range exactly once`` (PointCloud cloud) =
    let values = Array.concat cloud
    let lo, hi = -5.0, 5.0
    let counts = LipschitzTools.histogram lo hi 7 values
    let inRange = values |> Array.filter (fun v -> v >= lo && v <= hi) |> Array.length
    (Array.sum counts = inRange |@ $"counts {show counts} sum to {Array.sum counts}, {inRange} values in range")
    .&. (counts.Length = 7 |@ $"{counts.Length} bins")

[<Fact>]
let ``histogram bins are closed on the left, the last also on the right`` () =
    // Bins of width 1 over [0, 3]: 0 and 0.5 in bin 0, 1 in bin 1, 2.999 and 3 in bin 2; -0.1, 3.1 and NaN out.
    let counts = LipschitzTools.histogram 0.0 3.0 3 [| 0.0; 0.5; 1.0; 2.999; 3.0; -0.1; 3.1; nan |]
    Assert.Equal<int[]>([| 2; 1; 2 |], counts)

[<Fact>]
let ``weights lists every linear weight, input layer first`` () =
    TestSupport.pinThreads ()
    use generator = new torch.Generator(5UL)
    use critic = new Mlp(TestSupport.plainMlp 2 [ 3; 4 ] 1 ReLU, generator)
    let all = LipschitzTools.weights critic
    // 2 x 3 + 3 x 4 + 4 x 1 = 22 weights (biases excluded).
    Assert.Equal(22, all.Length)
    Assert.Equal<float[]>(values critic.Linears[0].weight, all[.. 5])
