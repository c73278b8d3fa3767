/// The optimal critic of the Kantorovich-Rubinstein duality between two equal-size point clouds, and how much
/// of its structure another function reproduces beyond what a function of the radius alone can.
///
/// For uniform clouds X = {x_i}, Y = {y_j} of n points each, W1 is the optimal assignment's mean cost, and the
/// assignment's dual (u, v), with u_i + v_j <= ||x_i - y_j|| and equality on the assigned pairs, has value
/// (sum u + sum v) / n = W1. Its c-transform f(z) = min_j (||z - y_j|| - v_j) is 1-Lipschitz everywhere (a minimum
/// of 1-Lipschitz functions), f(x_i) >= u_i and f(y_j) <= -v_j, so E_X f - E_Y f >= W1; weak duality gives the
/// reverse. So f is an optimal critic (a Kantorovich potential), defined on the whole plane: the exact answer to
/// the question WGAN-GP Figure 1a asks of trained critics.
module Wgan.Core.KantorovichPotential

open System

/// An optimal assignment with its dual: `Assignment[i]` is the column of row i; `U`, `V` the row and column
/// potentials (u_i + v_j <= cost[i, j], equality on the assignment); `Cost` the assignment's total cost.
type AssignmentDual = { Assignment: int[]; U: float[]; V: float[]; Cost: float }

/// The minimum-cost assignment of a square cost matrix with its dual potentials: the Hungarian algorithm with
/// potentials (Kuhn-Munkres, in the shortest-augmenting-path form), O(n^3), exact in floating point up to the
/// rounding of its sums.
let assignmentWithDual (cost: float[,]) : AssignmentDual =
    let n = Array2D.length1 cost
    if Array2D.length2 cost <> n then invalidArg (nameof cost) "the cost matrix must be square"
    // 1-based rows and columns; column 0 is the algorithm's virtual start.
    let u = Array.zeroCreate (n + 1)
    let v = Array.zeroCreate (n + 1)
    let rowOf = Array.zeroCreate (n + 1)
    let way = Array.zeroCreate (n + 1)
    let minv = Array.zeroCreate (n + 1)
    let used = Array.zeroCreate (n + 1)
    for i in 1 .. n do
        rowOf[0] <- i
        let mutable j0 = 0
        Array.fill minv 0 (n + 1) Double.PositiveInfinity
        Array.fill used 0 (n + 1) false
        let mutable searching = true
        while searching do
            used[j0] <- true
            let i0 = rowOf[j0]
            let mutable delta = Double.PositiveInfinity
            let mutable j1 = 0
            for j in 1 .. n do
                if not used[j] then
                    let reduced = cost[i0 - 1, j - 1] - u[i0] - v[j]
                    if reduced < minv[j] then
                        minv[j] <- reduced
                        way[j] <- j0
                    if minv[j] < delta then
                        delta <- minv[j]
                        j1 <- j
            for j in 0 .. n do
                if used[j] then
                    u[rowOf[j]] <- u[rowOf[j]] + delta
                    v[j] <- v[j] - delta
                else minv[j] <- minv[j] - delta
            j0 <- j1
            searching <- rowOf[j0] <> 0
        let mutable k = j0
        while k <> 0 do
            let previous = way[k]
            rowOf[k] <- rowOf[previous]
            k <- previous
    let assignment = Array.zeroCreate n
    for j in 1 .. n do assignment[rowOf[j] - 1] <- j - 1
    { Assignment = assignment
      U = u[1..]
      V = v[1..]
      Cost = Array.sum (Array.init n (fun i -> cost[i, assignment[i]])) }

/// An optimal critic between equal-size uniform clouds `real` and `fake` (see the module's comment): its values
/// anywhere, and the W1 it certifies.
type Potential =
    { /// The fake points and their potentials v_j: f(z) = min_j (||z - y_j|| - v_j).
      Fake: float[][]
      V: float[]
      /// The exact W1 between the clouds (the assignment's mean cost).
      EarthMover: float }

    /// The fake point that attains the minimum of f at `z` (the first, on a tie).
    member this.NearestAt(z: float[]) =
        let mutable best, nearest = Double.PositiveInfinity, 0
        for j in 0 .. this.Fake.Length - 1 do
            let value = EarthMover.euclidean z this.Fake[j] - this.V[j]
            if value < best then
                best <- value
                nearest <- j
        nearest

    /// The potential's value at `z`: 1-Lipschitz, and E_real f - E_fake f = W1.
    member this.At(z: float[]) =
        let j = this.NearestAt z
        EarthMover.euclidean z this.Fake[j] - this.V[j]

    /// The potential's gradient at `z`, where it has one: (z - y_j) / ||z - y_j|| for the fake point y_j that attains
    /// the minimum, a unit vector pointing away from it; the zero vector at y_j itself (no gradient there).
    member this.GradientAt(z: float[]) =
        let y = this.Fake[this.NearestAt z]
        let distance = EarthMover.euclidean z y
        if distance = 0.0 then Array.zeroCreate z.Length else Array.map2 (fun a b -> (a - b) / distance) z y

/// The Kantorovich potential of two equal-size clouds (real first: the critic is high on real points).
let potential (real: float[][]) (fake: float[][]) : Potential =
    if real.Length = 0 || real.Length <> fake.Length then
        invalidArg (nameof fake) "the clouds must be non-empty and of equal size"
    let cost = Array2D.init real.Length fake.Length (fun i j -> EarthMover.euclidean real[i] fake[j])
    let dual = assignmentWithDual cost
    { Fake = fake; V = dual.V; EarthMover = dual.Cost / float real.Length }

/// The Kantorovich potential of two equal-size clouds on the line (real first), by sorting: O(n log n) where
/// `potential` solves an O(n^3) assignment, and exact (up to the rounding of its sums). On the line
/// W1 = integral |F_real - F_fake| over the two empirical CDFs, and E_real f - E_fake f = integral f' (F_fake -
/// F_real) for a 1-Lipschitz f, so f attains W1 exactly when f' = sign(F_fake - F_real) wherever the CDFs
/// differ; where they agree (on gaps between the merged points and outside them) an optimal f's slope is free,
/// and this one is flat there. f is built along the merged sorted points from f = 0 at the smallest and
/// returned in `potential`'s form (v_j = -f(y_j)): (f(x_i), v) is an optimal dual of the assignment problem
/// (f(x_(k)) - f(y_(k)) = |x_(k) - y_(k)| on the sorted matching), and its c-transform `At` equals f at every
/// point of either cloud. The optimal dual is not unique: `potential` of the same clouds certifies the same W1
/// and rises or falls by the same amount between consecutive points wherever the CDFs differ, and may differ
/// only where they agree (KantorovichPotentialTests).
let potential1D (real: float[]) (fake: float[]) : Potential =
    let n = real.Length
    if n = 0 || n <> fake.Length then invalidArg (nameof fake) "the clouds must be non-empty and of equal size"
    let value k = if k < n then real[k] else fake[k - n]
    // Indices 0 .. n-1 are the real points, n .. 2n-1 the fake ones; equal values may come in any order (the
    // gap between them is 0, so f is the same at both).
    let order = Array.init (2 * n) id |> Array.sortBy value
    let f = Array.zeroCreate (2 * n)
    // count = #real - #fake among the points passed: F_real - F_fake = count / n on the gap that follows.
    let mutable count = 0
    let mutable current = 0.0
    for m in 0 .. 2 * n - 1 do
        let k = order[m]
        if m > 0 then current <- current - float (sign count) * (value k - value order[m - 1])
        f[k] <- current
        count <- count + (if k < n then 1 else -1)
    { Fake = fake |> Array.map (fun y -> [| y |])
      V = Array.init n (fun j -> -f[n + j])
      EarthMover = EarthMover.earthMover1D real fake }

/// The Euclidean norm ||z||, the radius a radial function reads.
let radius (z: float[]) = sqrt (Array.sumBy (fun c -> c * c) z)

/// What remains of `values` after the best function of the radius alone: each value minus its least-squares
/// line in the radius within its one of `bins` equal-count bins of `radii` (a piecewise-linear fit of the radius;
/// a smooth radial function leaves only its curvature within a bin).
let radialResiduals (bins: int) (radii: float[]) (values: float[]) : float[] =
    if radii.Length <> values.Length then invalidArg (nameof values) "one value per radius is needed"
    let n = radii.Length
    let order = Array.init n id |> Array.sortBy (fun i -> radii[i])
    let result = Array.zeroCreate n
    let bins = max 1 (min bins (n / 2))
    for b in 0 .. bins - 1 do
        let lo, hi = b * n / bins, (b + 1) * n / bins
        if hi > lo then
            let members = order[lo .. hi - 1]
            let mr = members |> Array.averageBy (fun i -> radii[i])
            let mv = members |> Array.averageBy (fun i -> values[i])
            let srr = members |> Array.sumBy (fun i -> (radii[i] - mr) * (radii[i] - mr))
            let srv = members |> Array.sumBy (fun i -> (radii[i] - mr) * (values[i] - mv))
            let slope = if srr > 0.0 then srv / srr else 0.0
            for i in members do result[i] <- values[i] - mv - slope * (radii[i] - mr)
    result

/// How much of the potential's non-radial structure a critic reproduces: the Pearson correlation of the two
/// functions' residuals after each one's best radial fit (`radialResiduals`), over the points `at`. 1 for the
/// potential itself (or any increasing affine map of it), about 0 for a function of the radius alone, NaN when
/// either residual is constant.
let structureCorrelation (bins: int) (at: float[][]) (critic: float[]) (optimal: float[]) : float =
    let radii = at |> Array.map radius
    let a = radialResiduals bins radii critic
    let b = radialResiduals bins radii optimal
    let ma, mb = Array.average a, Array.average b
    let mutable sab, saa, sbb = 0.0, 0.0, 0.0
    for i in 0 .. a.Length - 1 do
        sab <- sab + (a[i] - ma) * (b[i] - mb)
        saa <- saa + (a[i] - ma) * (a[i] - ma)
        sbb <- sbb + (b[i] - mb) * (b[i] - mb)
    if saa = 0.0 || sbb = 0.0 then nan else sab / sqrt (saa * sbb)

/// The best 1-Lipschitz function of the radius alone captures exactly the 1-D W1 between the clouds' radii
/// (g o ||.|| is 1-Lipschitz whenever g is, and the sup over such g is the 1-D distance): the share of W1 that a
/// structure-free critic can capture.
let radialEarthMover (real: float[][]) (fake: float[][]) : float =
    EarthMover.earthMover1D (real |> Array.map radius) (fake |> Array.map radius)
