/// What every manifest holds around its experiment's own settings, decoded here once for every experiment: the
/// experiment's name, the run seed, the verify tolerance, the scales (each with its seed count and, for experiments
/// whose units checkpoint, its checkpoint cadence) and the claims.
module Wgan.Experiments.Envelope

open Wgan.Experiments.Json
open Wgan.Experiments.Manifest

/// A decoded manifest: the common fields, the experiment's own settings `'S` and its own fields of each scale `'Scale`.
type Envelope<'S, 'Scale> =
    { Seed: int
      /// The manifest's "verifyTolerance" (see Manifest.verifyTolerance).
      VerifyTolerance: float
      Settings: 'S
      /// The experiment's own fields of each scale.
      Scales: Map<Scale, 'Scale>
      /// The seed count of each scale ("seeds").
      SeedCounts: Map<Scale, int>
      /// Training state is saved every so many iterations (0: never) at each scale ("checkpointEvery"; 0 at every
      /// scale for an experiment whose units do not checkpoint).
      CheckpointEvery: Map<Scale, int>
      Claims: ClaimSpec list }

/// How an experiment reads its own parts of a manifest.
type Reading<'S, 'Scale> =
    { /// The manifest's fields besides "experiment", "seed", "verifyTolerance", "scales" and "claims".
      Settings: Fields<'S>
      /// A scale's fields besides "seeds" and "checkpointEvery" (they may depend on the settings).
      Scale: 'S -> Fields<'Scale>
      /// Whether a scale states "checkpointEvery" (units that train long enough to be worth resuming).
      Checkpoints: bool
      /// The metrics the settings measure: what claims may name.
      MetricNames: 'S -> string list }

let private scaleEntry (reading: Reading<'S, 'Scale>) (settings: 'S) : Decoder<int * int * 'Scale> =
    let every =
        if reading.Checkpoints then required "checkpointEvery" (Decode.intInRange 0 10_000_000)
        else Fields.succeed 0
    Decode.object (fields {
        let! seeds = required "seeds" (Decode.intInRange 1 1000)
        and! checkpointEvery = every
        and! own = reading.Scale settings
        return seeds, checkpointEvery, own })

/// Decodes a whole manifest: the common fields and the experiment's own, then the scales and claims that depend on
/// them (when the settings fail, the scales and claims are not read and their errors not reported).
let decoder (reading: Reading<'S, 'Scale>) : Decoder<Envelope<'S, 'Scale>> =
    Decode.object (fields {
        let! _ = required "experiment" Decode.string
        and! seed = required "seed" Manifest.seed
        and! tolerance = required "verifyTolerance" Manifest.verifyTolerance
        and! settings = reading.Settings
        let! scales = required "scales" (scaleTable (scaleEntry reading settings))
        and! claims = required "claims" (ClaimDecoding.claims (reading.MetricNames settings))
        let pick f = scales |> Map.map (fun _ entry -> f entry)
        return
            { Seed = seed
              VerifyTolerance = tolerance
              Settings = settings
              Scales = pick (fun (_, _, own) -> own)
              SeedCounts = pick (fun (seeds, _, _) -> seeds)
              CheckpointEvery = pick (fun (_, every, _) -> every)
              Claims = claims } })
