/// Reading a one-element tensor's value without a loose Scalar. TorchSharp's `t.ToDouble()`, `t.ToBoolean()`
/// and `t.ToInt64()` are `t.ToScalar().ToDouble()` and so on: the Scalar holding the value is left to the
/// garbage collector, whose finalizer can free it while libtorch still reads it (dotnet/TorchSharp#1434),
/// which aborted a CI run's test host with "Expected false to be true ... Scalar.h:141 toDouble". These
/// readers dispose their Scalar after the read, so it stays alive for the whole native call.
[<AutoOpen>]
module Wgan.Core.TensorValues

open TorchSharp

/// Reads `t` through a Scalar that is disposed only after `convert` has read it, with `t` itself kept alive
/// until then.
let private read (t: torch.Tensor) (convert: Scalar -> 'T) : 'T =
    use s = t.ToScalar()
    let value = convert s
    System.GC.KeepAlive t
    value

type torch.Tensor with
    /// The value of a one-element tensor as a float.
    member t.ReadDouble() : float = read t (fun s -> s.ToDouble())

    /// The value of a one-element boolean tensor.
    member t.ReadBoolean() : bool = read t (fun s -> s.ToBoolean())

    /// The value of a one-element integer tensor.
    member t.ReadInt64() : int64 = read t (fun s -> s.ToInt64())
