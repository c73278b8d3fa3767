/// Deterministic seeds for independent units of work (seed x configuration), so a unit's numbers do not
/// depend on which other units run, or in which order.
module Wgan.Experiments.Seeds

/// SplitMix64 finaliser: a well-mixed 64-bit value from a 64-bit input.
let private mix (z: uint64) =
    let z = (z ^^^ (z >>> 30)) * 0xbf58476d1ce4e5b9UL
    let z = (z ^^^ (z >>> 27)) * 0x94d049bb133111ebUL
    z ^^^ (z >>> 31)

/// A seed derived from a run seed and the coordinates of a unit of work, in [0, 2^62).
let derive (seed: int64) (coordinates: int list) : int64 =
    let folded = coordinates |> List.fold (fun acc c -> mix (acc + 0x9e3779b97f4a7c15UL + uint64 c)) (mix (uint64 seed))
    int64 (folded >>> 2)
