/// Arithmetic between tensors and numbers that keeps TorchSharp Scalars alive for the whole native call.
/// TorchSharp leaves the Scalar it creates for `tensor op number`, for the alpha = 1 of `a + b` (tensors),
/// `t.add(s)` and `t.add_(s)`, for activations with a numeric parameter (leaky_relu, softplus, nn.LeakyReLU,
/// nn.Softplus) and for `x.ToScalar()` temporaries to the garbage collector, whose finalizer can free it while the
/// native call still reads it: a rare, non-deterministic "Expected false to be true ... Scalar.h toFloat"
/// error, or a corrupted value that turns a training NaN (dotnet/TorchSharp#1434). Every helper here
/// creates its Scalar with `use`, so it is disposed only after the call returns. The finalizer-stress tests
/// run the harness's steps while another thread collects garbage without pause, which makes such a
/// race show within seconds.
module Wgan.Core.Scalars

open TorchSharp

let inline private withScalar (x: float) ([<InlineIfLambda>] f: Scalar -> torch.Tensor) =
    use s = x.ToScalar()
    f s

/// The Scalar 1, alive for the whole process (a module value is never collected), as the explicit alpha of
/// sums: TorchSharp's `a + b`, `t.add(s)` and `t.add_(s)` create their alpha = 1 Scalar implicitly.
let one = 1.0.ToScalar()
let private minusOne = (-1.0).ToScalar()

/// a + b, two tensors (`add` adds a number)
let addTensors (a: torch.Tensor) (b: torch.Tensor) = a.add(b, one)
/// a - b, two tensors (`sub` subtracts a number)
let subtractTensors (a: torch.Tensor) (b: torch.Tensor) = a.add(b, minusOne)

/// t + x, a tensor and a number
let add (t: torch.Tensor) (x: float) = withScalar x (fun s -> t.add(s, one))
/// t * x
let mul (t: torch.Tensor) (x: float) = withScalar x (fun s -> t.mul s)
/// t / x
let div (t: torch.Tensor) (x: float) = withScalar x (fun s -> t.div s)
/// t - x
let sub (t: torch.Tensor) (x: float) = withScalar x (fun s -> t.sub s)
/// x - t
let subFrom (x: float) (t: torch.Tensor) = withScalar x (fun s -> t.neg().add(s, one))
/// t ^ x
let pow (t: torch.Tensor) (x: float) = withScalar x (fun s -> t.pow s)
/// t clamped to [lo, hi]
let clamp (t: torch.Tensor) (lo: float) (hi: float) =
    use l = lo.ToScalar()
    use h = hi.ToScalar()
    t.clamp(l, h)
/// t clamped to [lo, hi] in place
let clamp_ (t: torch.Tensor) (lo: float) (hi: float) =
    use l = lo.ToScalar()
    use h = hi.ToScalar()
    t.clamp_(l, h)
/// t clamped below at lo
let clampMin (t: torch.Tensor) (lo: float) = withScalar lo (fun s -> t.clamp_min s)
/// t > x, as a boolean tensor
let greater (t: torch.Tensor) (x: float) = withScalar x (fun s -> t.gt s)
/// A float32 tensor of `shape` filled with x.
let full (shape: int64[]) (x: float) = withScalar x (fun s -> torch.full(shape, s, dtype = torch.float32))
/// LeakyReLU with negative slope `slope`: t where t > 0, else slope * t.
let leakyRelu (t: torch.Tensor) (slope: float) = withScalar slope (fun s -> t.leaky_relu s)
/// softplus(t) = log(1 + exp(t)), computed stably without Scalars: relu(t) + log1p(exp(-|t|)).
let softplus (t: torch.Tensor) = addTensors (torch.nn.functional.relu t) (t.abs().neg().exp().log1p())
