/// Optimisers as values, so that a manifest can name them (WGAN: RMSProp; WGAN-GP: Adam), and their
/// updates written out here, with every TorchSharp Scalar disposed deterministically. (TorchSharp 0.107's
/// own Adam and RMSProp leave their Scalars to the garbage collector, whose finalizer can free one while
/// the native update still reads it: seen here as intermittent "Scalar.h toFloat" errors; see Scalars.fs.)
namespace Wgan.Core

open System.IO
open TorchSharp

/// An optimiser and its hyperparameters.
type OptimizerSpec =
    /// RMSProp (PyTorch defaults: alpha 0.99, eps 1e-8, no momentum), as in WGAN Algorithm 1 (lr 5e-5).
    | RmsProp of learningRate: float
    /// Adam (eps 1e-8), as in WGAN-GP Algorithm 1 (lr 1e-4, beta1 0, beta2 0.9).
    | Adam of learningRate: float * beta1: float * beta2: float
    /// Plain stochastic gradient descent.
    | Sgd of learningRate: float
    /// TensorFlow 1's tf.train.RMSPropOptimizer with its defaults, as the WGAN-GP authors' scripts use it
    /// (gan_toy.py, gan_mnist.py): decay 0.9, epsilon 1e-10 *inside* the square root, no momentum, and the
    /// mean square initialised to ones (not zeros): ms <- 0.9 ms + 0.1 g^2; w <- w - lr g / sqrt(ms + 1e-10).
    | TfRmsProp of learningRate: float
    /// TensorFlow 1's tf.train.AdamOptimizer (epsilon 1e-8), as the WGAN-GP authors' scripts use it. It folds
    /// the bias corrections into the step size, lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t), and adds epsilon to
    /// the uncorrected sqrt(v): w <- w - lr_t m / (sqrt(v) + 1e-8). PyTorch's Adam adds epsilon to
    /// sqrt(v) / sqrt(1 - beta2^t) instead, so the two differ while sqrt(v) is near epsilon.
    | TfAdam of learningRate: float * beta1: float * beta2: float

/// An optimiser over a fixed list of parameters, with PyTorch's update rules (torch.optim.Adam, RMSProp and
/// SGD with their defaults otherwise) or TensorFlow 1's (`TfRmsProp`, `TfAdam`). Its state (moments and
/// step count) can be saved and restored.
[<Sealed>]
type Optimizer(spec: OptimizerSpec, parameters: Modules.Parameter list) =
    [<Literal>]
    let Epsilon = 1e-8
    [<Literal>]
    let RmsPropAlpha = 0.99
    [<Literal>]
    let TfRmsPropDecay = 0.9
    [<Literal>]
    let TfRmsPropEpsilon = 1e-10
    let moments =
        // Adam: first and second moments; RMSProp: the running mean of squares; SGD: none.
        parameters
        |> List.map (fun p ->
            match spec with
            | Adam _
            | TfAdam _ ->
                [| torch.zeros_like(p).DetachFromDisposeScope(); torch.zeros_like(p).DetachFromDisposeScope() |]
            | RmsProp _ -> [| torch.zeros_like(p).DetachFromDisposeScope() |]
            | TfRmsProp _ -> [| torch.ones_like(p).DetachFromDisposeScope() |]
            | Sgd _ -> [||])
        |> Array.ofList
    let mutable steps = 0L
    /// A floor for the square averages under the square root of the denominators, which leaves every update
    /// bit for bit as it is and keeps libtorch's sqrt off its slow path. libtorch's float32 sqrt is over ten
    /// times slower on zeros and subnormal numbers, and the square averages of weights whose gradient stays
    /// zero (dead ReLU units) decay into that range. The denominator is sqrt(v) / sqrt(b) + eps (b: PyTorch
    /// Adam's second bias correction; 1 for RMSProp and for TensorFlow 1's Adam, which has none under the
    /// root). Below v = b * 1e-32, sqrt(v) / sqrt(b) is under 1e-16, less than half a unit in the last place
    /// of eps (float32 1e-8 has ulp 2^-50, about 8.9e-16), so the sum rounds to eps whether v or the floor is
    /// used. (TensorFlow 1's RMSProp adds its epsilon, 1e-10, under the root, which keeps it off the slow path.)
    let sqrtFloor (biasCorrection: float) = biasCorrection * 1e-32

    /// RMSProp's update of every parameter with a gradient g: its running mean square (moment 0)
    /// ms <- decay ms + (1 - decay) g^2, then w <- w - lr g / denominator(ms).
    let rmsPropUpdate (decay: float) (lr: float) (denominator: torch.Tensor -> torch.Tensor) =
        use decayScalar = decay.ToScalar()
        use oneMinusDecay = (1.0 - decay).ToScalar()
        use minusLr = (-lr).ToScalar()
        parameters |> List.iteri (fun i p ->
            let g = p.grad
            if not (isNull g) then
                let meanSquare = moments[i][0]
                meanSquare.mul_(decayScalar).addcmul_(g, g, oneMinusDecay) |> ignore
                use d = denominator meanSquare
                p.addcdiv_(g, d, minusLr) |> ignore)

    /// Adam's update of every parameter with a gradient g: its moments (0 and 1) m <- beta1 m + (1 - beta1) g and
    /// v <- beta2 v + (1 - beta2) g^2, then w <- w - stepSize m / denominator(v).
    let adamUpdate (beta1: float) (beta2: float) (stepSize: float) (denominator: torch.Tensor -> torch.Tensor) =
        use b1 = beta1.ToScalar()
        use oneMinusB1 = (1.0 - beta1).ToScalar()
        use b2 = beta2.ToScalar()
        use oneMinusB2 = (1.0 - beta2).ToScalar()
        use minusStepSize = (-stepSize).ToScalar()
        parameters |> List.iteri (fun i p ->
            let g = p.grad
            if not (isNull g) then
                let first, second = moments[i][0], moments[i][1]
                first.mul_(b1).add_(g, oneMinusB1) |> ignore
                second.mul_(b2).addcmul_(g, g, oneMinusB2) |> ignore
                use d = denominator second
                p.addcdiv_(first, d, minusStepSize) |> ignore)

    /// The hyperparameters.
    member _.Spec = spec

    /// Clears every parameter's gradient.
    member _.zero_grad() =
        for p in parameters do
            let g = p.grad
            if not (isNull g) then
                use _ = torch.no_grad()
                g.zero_() |> ignore

    /// One update from the parameters' current gradients (parameters without a gradient are left alone).
    member _.step() =
        use _ = torch.no_grad()
        use _ = torch.NewDisposeScope()
        steps <- steps + 1L
        match spec with
        | Sgd lr ->
            use alpha = (-lr).ToScalar()
            for p in parameters do
                if not (isNull p.grad) then p.add_(p.grad, alpha) |> ignore
        | RmsProp lr ->
            use eps = Epsilon.ToScalar()
            use floor = (sqrtFloor 1.0).ToScalar()
            rmsPropUpdate RmsPropAlpha lr (fun meanSquare ->
                meanSquare.clamp_min(floor).sqrt_().add_(eps, Scalars.one))
        | TfRmsProp lr ->
            use eps = TfRmsPropEpsilon.ToScalar()
            rmsPropUpdate TfRmsPropDecay lr (fun meanSquare -> meanSquare.add(eps, Scalars.one).sqrt_())
        | TfAdam (lr, beta1, beta2) ->
            let stepSize = lr * sqrt (1.0 - beta2 ** float steps) / (1.0 - beta1 ** float steps)
            use eps = Epsilon.ToScalar()
            // TensorFlow's denominator sqrt(v) + eps has no bias correction under the root: the floor's b is 1.
            use floor = (sqrtFloor 1.0).ToScalar()
            adamUpdate beta1 beta2 stepSize (fun second -> second.clamp_min(floor).sqrt_().add_(eps, Scalars.one))
        | Adam (lr, beta1, beta2) ->
            let biasCorrection1 = 1.0 - beta1 ** float steps
            let biasCorrection2 = 1.0 - beta2 ** float steps
            use sqrtBias2 = (sqrt biasCorrection2).ToScalar()
            use eps = Epsilon.ToScalar()
            use floor = (sqrtFloor biasCorrection2).ToScalar()
            adamUpdate beta1 beta2 (lr / biasCorrection1) (fun second ->
                second.clamp_min(floor).sqrt_().div_(sqrtBias2).add_(eps, Scalars.one))

    /// Writes the step count and every moment tensor.
    member _.Save(writer: BinaryWriter) =
        writer.Write steps
        writer.Write moments.Length
        for ms in moments do
            writer.Write ms.Length
            for m in ms do
                let values = m.data<float32>().ToArray()
                writer.Write values.Length
                for v in values do writer.Write v

    /// Reads what `Save` wrote into this optimiser (same spec and parameters).
    member _.Load(reader: BinaryReader) =
        steps <- reader.ReadInt64()
        if reader.ReadInt32() <> moments.Length then
            raise (InvalidDataException "optimiser state for another parameter list")
        for ms in moments do
            if reader.ReadInt32() <> ms.Length then raise (InvalidDataException "optimiser state of another kind")
            for m in ms do
                let n = reader.ReadInt32()
                if int64 n <> m.numel() then raise (InvalidDataException "optimiser state of another shape")
                let values = Array.init n (fun _ -> reader.ReadSingle())
                use loaded = torch.tensor(values).reshape(m.shape)
                use _ = torch.no_grad()
                m.copy_(loaded) |> ignore

    interface System.IDisposable with
        member _.Dispose() =
            for ms in moments do
                for m in ms do m.Dispose()

module Optimizer =
    /// A fresh optimiser over `parameters`.
    let create (spec: OptimizerSpec) (parameters: seq<Modules.Parameter>) : Optimizer =
        new Optimizer(spec, List.ofSeq parameters)
