/// `verify --against`: whether a result that `wgan run` published elsewhere can stand for verify's own re-run of a
/// published result. A unit's result depends only on the manifest, the scale, the seeds, the device and the thread
/// count (docs/reliability.md, "Checkpoints and resume"), so a run with the same experiment, recorded manifest, scale,
/// seeds, device and threads is the re-run verify would have made. The platform may differ (verify then judges the
/// re-run as a reproduction, as it judges one made here on another platform); the re-run's own machine, time and
/// command line are not compared, as verify never compares the publishing run's.
module Wgan.Experiments.RerunIdentity

open System
open System.Text.Json.Nodes
open Wgan.Experiments.PublishedResult

/// Up to ten seeds, for a message.
let private seedList (seeds: int64 list) =
    let shown = seeds |> List.truncate 10 |> List.map string |> String.concat ", "
    if seeds.Length > 10 then $"{shown}, ..." else shown

let private claimId (node: JsonNode) =
    match node with
    | :? JsonObject as o ->
        match o["id"] with
        | :? JsonValue as id ->
            match id.TryGetValue<string>() with
            | true, text -> Some text
            | _ -> None
        | _ -> None
    | _ -> None

/// Where two recorded manifests (result.json's `$.manifest`, JSON text) differ: the top-level fields whose values
/// differ, a changed, added or removed claim named by its id. Their values are compared, not their texts: result.json
/// records a manifest written again from its values (without comments), and a tool that rewrites a result.json may
/// change the layout or the order of the fields.
let manifestDifferences (published: string) (rerun: string) : string list =
    if published = rerun then []
    else
        let a, b = JsonNode.Parse(published).AsObject(), JsonNode.Parse(rerun).AsObject()
        let names = Seq.append (a |> Seq.map (fun kv -> kv.Key)) (b |> Seq.map (fun kv -> kv.Key)) |> Seq.distinct
        let claims (o: JsonObject) =
            match o["claims"] with
            | :? JsonArray as items -> items |> Seq.map (fun c -> claimId c, c) |> List.ofSeq
            | _ -> []
        [ for n in names |> Seq.sort do
              if not (JsonNode.DeepEquals(a[n], b[n])) then
                  if n = "claims" then
                      let was, now = claims a, claims b
                      let ids =
                          List.append was now
                          |> List.choose fst
                          |> List.distinct
                          |> List.filter (fun id ->
                              let find list = list |> List.tryFind (fun (i, _) -> i = Some id) |> Option.map snd
                              match find was, find now with
                              | Some x, Some y -> not (JsonNode.DeepEquals(x, y))
                              | _ -> true)
                      yield (if ids.IsEmpty then "$.claims" else "$.claims (" + String.concat ", " ids + ")")
                  else
                      yield $"$.{n}" ]

/// Why `rerun` cannot be a re-run of `published`, one reason a line naming both values: another experiment, another
/// recorded manifest, another scale, other seeds, another device or thread count. None when it can be.
let differences (published: Published) (rerun: Published) : string list =
    let p, r = published.Result, rerun.Result
    let pe, re = published.Environment, rerun.Environment
    [ if p.ExperimentId <> r.ExperimentId then
          yield $"experiment: published \"{p.ExperimentId}\", re-run \"{r.ExperimentId}\""
      else
          match manifestDifferences published.Manifest rerun.Manifest with
          | [] -> ()
          | fields -> yield "manifest: the recorded manifests differ in " + String.concat ", " fields
      if p.Scale <> r.Scale then yield $"scale: published {p.Scale}, re-run {r.Scale}"
      if p.Seeds <> r.Seeds then
          yield
              $"seeds: published {p.Seeds.Length} ({seedList p.Seeds}), re-run {r.Seeds.Length} ({seedList r.Seeds})"
      if pe.Device <> re.Device then yield $"device: published {pe.Device}, re-run {re.Device}"
      if pe.Threads <> re.Threads then yield $"threads: published {pe.Threads}, re-run {re.Threads}" ]

/// The C# entry point of `differences`.
[<AbstractClass; Sealed>]
type RerunIdentities =
    /// Why `rerun` cannot be a re-run of `published` (see `differences`); empty when it can be.
    static member Differences(published: Published, rerun: Published) : string[] =
        differences published rerun |> Array.ofList
