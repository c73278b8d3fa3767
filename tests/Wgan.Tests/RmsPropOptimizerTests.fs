/// The harness's RMSProp (Optimizer with RmsProp): PyTorch's update rule (FinalizerStressTests trains with it
/// under garbage-collection pressure).
module Wgan.Tests.RmsPropOptimizerTests

open TorchSharp
open Xunit
open Wgan.Core

let private values (t: torch.Tensor) = t.detach().cpu().to_type(torch.float64).contiguous().data<float>().ToArray()

[<Fact>]
let ``two steps follow torch.optim.RMSprop's rule`` () =
    // torch.optim.RMSprop (alpha 0.99, eps 1e-8, no momentum): s <- 0.99 s + 0.01 g^2, p <- p - lr g / (sqrt s + eps).
    // Loss sum(w * c) has the constant gradient g = c = (2, -3).
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let w = torch.nn.Parameter(torch.tensor([| 1.0; 1.0 |], dtype = torch.float64))
    let c = torch.tensor([| 2.0; -3.0 |], dtype = torch.float64)
    use optimizer = new Optimizer(RmsProp 0.1, [ w ])
    let mutable expected = [| 1.0; 1.0 |]
    let mutable s = [| 0.0; 0.0 |]
    for _ in 1 .. 2 do
        optimizer.zero_grad()
        (w * c).sum().backward()
        optimizer.step() |> ignore
        let g = [| 2.0; -3.0 |]
        s <- Array.map2 (fun s g -> 0.99 * s + 0.01 * g * g) s g
        expected <- Array.map3 (fun p g s -> p - 0.1 * g / (sqrt s + 1e-8)) expected g s
    Array.iter2 (fun (e: float) (a: float) -> Assert.Equal(e, a, 12)) expected (values w)

[<Fact>]
let ``zero_grad clears the gradients`` () =
    TestSupport.pinThreads ()
    use _ = torch.NewDisposeScope()
    let w = torch.nn.Parameter(torch.ones([| 3L |]))
    use optimizer = new Optimizer(RmsProp 0.1, [ w ])
    (Scalars.mul w 2.0).sum().backward()
    optimizer.zero_grad()
    Assert.Equal<float[]>([| 0.0; 0.0; 0.0 |], values w.grad)
