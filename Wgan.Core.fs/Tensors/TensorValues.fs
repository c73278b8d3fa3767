/// Reading a one-element tensor's value without a loose Scalar. TorchSharp's `t.ToDouble()`, `t.ToBoolean()`
/// and `t.ToInt64()` are `t.ToScalar().ToDouble()` and so on: the Scalar holding the value is left to the
/// garbage collector, whose finalizer can free it while libtorch still reads it (dotnet/TorchSharp#1434),
/// which aborted a CI run's test host with "Expected false to be true ... Scalar.h:141 toDouble". These
/// readers dispose their Scalar after the read, so it stays alive for the whole native call.
[<AutoOpen>]
module Wgan.Core.TensorValues

open TorchSharp

type torch.Tensor with
    /// The value of a one-element tensor as a float.
    member t.ReadDouble() : float =
        use s = t.ToScalar()
        let value = s.ToDouble()
        System.GC.KeepAlive t
        value

    /// The value of a one-element boolean tensor.
    member t.ReadBoolean() : bool =
        use s = t.ToScalar()
        let value = s.ToBoolean()
        System.GC.KeepAlive t
        value

    /// The value of a one-element integer tensor.
    member t.ReadInt64() : int64 =
        use s = t.ToScalar()
        let value = s.ToInt64()
        System.GC.KeepAlive t
        value
