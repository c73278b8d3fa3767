/// The Earth-Mover (Wasserstein-1) distance W(P, Q) = inf_{gamma in Pi(P, Q)} E_(x,y)~gamma ||x - y||
/// (WGAN paper, eq. 1), computed exactly between empirical measures with the Euclidean ground metric.
/// 1-D samples use the sorted-CDF formula; point clouds use Google OR-Tools' combinatorial solvers.
module Wgan.Core.EarthMover

open System
open Google.OrTools.Graph
open Google.OrTools.LinearSolver

/// The integer solvers work on costs rounded to 1 / CostResolution of the largest pairwise distance.
/// The plan they return is optimal for the rounded costs; its true cost, which is what is returned, is
/// within `largest distance / CostResolution` of the exact optimum.
[<Literal>]
let CostResolution = 1e9

/// W1 between two 1-D empirical measures (uniform weights, any sizes): the integral of |F_p - F_q|,
/// evaluated exactly over the merged sorted samples.
let earthMover1D (p: float[]) (q: float[]) : float =
    if p.Length = 0 || q.Length = 0 then invalidArg (nameof p) "both samples must be non-empty"
    if Array.exists (fun v -> not (Double.IsFinite v)) p || Array.exists (fun v -> not (Double.IsFinite v)) q then
        invalidArg (nameof p) "samples must be finite numbers"
    let xs = Array.sort p
    let ys = Array.sort q
    let n, m = float xs.Length, float ys.Length
    let mutable i, j = 0, 0
    let mutable total = 0.0
    // Walk the merged order; between consecutive points the CDFs are constant.
    let mutable previous = min xs[0] ys[0]
    while i < xs.Length || j < ys.Length do
        let next =
            if j >= ys.Length || (i < xs.Length && xs[i] <= ys[j]) then xs[i] else ys[j]
        total <- total + abs (float i / n - float j / m) * (next - previous)
        previous <- next
        while i < xs.Length && xs[i] = next do i <- i + 1
        while j < ys.Length && ys[j] = next do j <- j + 1
    total

let euclidean (x: float[]) (y: float[]) : float =
    let mutable s = 0.0
    for k in 0 .. x.Length - 1 do
        let d = x[k] - y[k]
        s <- s + d * d
    sqrt s

let private validateCloud (name: string) (cloud: float[][]) =
    if cloud.Length = 0 then invalidArg name $"{name} has no points"
    let dim = cloud[0].Length
    if dim = 0 then invalidArg name $"{name} has points of dimension 0"
    cloud |> Array.iteri (fun i x ->
        if x.Length <> dim then invalidArg name $"{name} point {i} has dimension {x.Length}, expected {dim}"
        if x |> Array.exists (fun v -> Double.IsNaN v || Double.IsInfinity v) then
            invalidArg name $"{name} point {i} has a non-finite coordinate")
    dim

let private distances (p: float[][]) (q: float[][]) =
    let d = Array2D.init p.Length q.Length (fun i j -> euclidean p[i] q[j])
    let mutable largest = 0.0
    d |> Array2D.iter (fun v -> largest <- max largest v)
    d, largest

let private toIntegerCost largest (d: float) =
    if largest = 0.0 then 0L else int64 (Math.Round (d / largest * CostResolution))

/// W1 between two equal-size uniform clouds: an optimal assignment (LinearSumAssignment).
let private byAssignment (p: float[][]) (q: float[][]) =
    let d, largest = distances p q
    use solver = new LinearSumAssignment()
    for i in 0 .. p.Length - 1 do
        for j in 0 .. q.Length - 1 do
            solver.AddArcWithCost(i, j, toIntegerCost largest d[i, j]) |> ignore
    match solver.Solve() with
    | LinearSumAssignment.Status.OPTIMAL ->
        let mutable total = 0.0
        for i in 0 .. p.Length - 1 do
            total <- total + d[i, solver.RightMate i]
        total / float p.Length
    | status -> failwith $"optimal assignment failed: {status}"

/// W1 between uniform clouds of different sizes n and m: a min-cost flow in which each of the n points
/// supplies m/g units and each of the m points demands n/g units (g = gcd(n, m)), so masses are integers.
let private byMinCostFlow (p: float[][]) (q: float[][]) =
    let d, largest = distances p q
    let n, m = p.Length, q.Length
    let g = int (Numerics.BigInteger.GreatestCommonDivisor(Numerics.BigInteger n, Numerics.BigInteger m))
    let supply, demand = int64 (m / g), int64 (n / g)
    use flow = new MinCostFlow()
    let arcs = Array2D.zeroCreate n m
    for i in 0 .. n - 1 do
        for j in 0 .. m - 1 do
            arcs[i, j] <- flow.AddArcWithCapacityAndUnitCost(i, n + j, min supply demand, toIntegerCost largest d[i, j])
    for i in 0 .. n - 1 do flow.SetNodeSupply(i, supply)
    for j in 0 .. m - 1 do flow.SetNodeSupply(n + j, -demand)
    match flow.Solve() with
    | MinCostFlowBase.Status.OPTIMAL ->
        let mutable total = 0.0
        for i in 0 .. n - 1 do
            for j in 0 .. m - 1 do
                total <- total + float (flow.Flow arcs[i, j]) * d[i, j]
        total / float (supply * int64 n)
    | status -> failwith $"min-cost flow failed: {status}"

/// Exact W1 between two uniform empirical measures (point clouds of the same dimension, sizes may differ).
let earthMover (p: float[][]) (q: float[][]) : float =
    let dp = validateCloud (nameof p) p
    let dq = validateCloud (nameof q) q
    if dp <> dq then invalidArg (nameof q) $"clouds have different dimensions ({dp} and {dq})"
    if p.Length = q.Length then byAssignment p q else byMinCostFlow p q

/// `earthMover` computed on coordinates divided by a power of two near their largest magnitude, then scaled back.
/// W1 is positively homogeneous (W(cP, cQ) = c W(P, Q)), and a power of two scales every coordinate exactly, so the
/// squared differences neither overflow (coordinates near 1e200) nor underflow (near 1e-200); at ordinary magnitudes
/// it agrees with `earthMover` within the solver's tolerance. Invalid clouds are refused as `earthMover` refuses them.
let earthMoverRescaled (p: float[][]) (q: float[][]) : float =
    let largest = Seq.append p q |> Seq.collect id |> Seq.fold (fun m x -> max m (abs x)) 0.0
    let exponent = if largest = 0.0 || not (Double.IsFinite largest) then 0 else Math.ILogB largest
    let scaled (cloud: float[][]) = cloud |> Array.map (Array.map (fun x -> Math.ScaleB(x, -exponent)))
    Math.ScaleB(earthMover (scaled p) (scaled q), exponent)

/// Exact W1 between two weighted discrete measures (points with probability weights), solved as the
/// transport linear programme with GLOP. Weights must be probability vectors.
let earthMoverWeighted (p: float[][], wp: float[]) (q: float[][], wq: float[]) : float =
    let dp = validateCloud (nameof p) p
    let dq = validateCloud (nameof q) q
    if dp <> dq then invalidArg (nameof q) $"clouds have different dimensions ({dp} and {dq})"
    if wp.Length <> p.Length || wq.Length <> q.Length then invalidArg (nameof wp) "one weight per point is needed"
    match Divergence.validate "wp" wp, Divergence.validate "wq" wq with
    | Error e, _ | _, Error e -> invalidArg (nameof wp) e
    | Ok (), Ok () -> ()
    use solver = Solver.CreateSolver "GLOP"
    let plan = Array2D.init p.Length q.Length (fun _ _ -> solver.MakeNumVar(0.0, infinity, ""))
    for i in 0 .. p.Length - 1 do
        let row = solver.MakeConstraint(wp[i], wp[i])
        for j in 0 .. q.Length - 1 do row.SetCoefficient(plan[i, j], 1.0)
    for j in 0 .. q.Length - 1 do
        let column = solver.MakeConstraint(wq[j], wq[j])
        for i in 0 .. p.Length - 1 do column.SetCoefficient(plan[i, j], 1.0)
    let objective = solver.Objective()
    for i in 0 .. p.Length - 1 do
        for j in 0 .. q.Length - 1 do objective.SetCoefficient(plan[i, j], euclidean p[i] q[j])
    objective.SetMinimization()
    match solver.Solve() with
    | Solver.ResultStatus.OPTIMAL -> max 0.0 (objective.Value())
    | status -> failwith $"transport linear programme failed: {status}"
