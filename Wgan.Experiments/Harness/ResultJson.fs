/// result.json: every number of a run in round-trip form, with its claims, series, figures, environment and
/// manifest (see `Render` for the formats).
module Wgan.Experiments.ResultJson

open System
open System.IO
open System.Text
open System.Text.Json
open Wgan.Experiments.Render

let private writeNumber (w: Utf8JsonWriter) (name: string) (x: float) =
    if Double.IsFinite x then w.WriteNumber(name, x) else w.WriteNull(name)

let private writeNumberValue (w: Utf8JsonWriter) (x: float) =
    if Double.IsFinite x then w.WriteNumberValue(x) else w.WriteNullValue()

/// An interval as [lo, hi], or null when there is none.
let private writeInterval (w: Utf8JsonWriter) (name: string) (interval: (float * float) option) =
    match interval with
    | Some (lo, hi) ->
        w.WriteStartArray(name)
        w.WriteNumberValue lo
        w.WriteNumberValue hi
        w.WriteEndArray()
    | None -> w.WriteNull(name)

/// A measurement's block of result.json: per-seed values, mean, the rule's interval, agreeing seeds, the sign
/// test's p-value and the rule's verdict on these values alone.
let private writeMeasurement (w: Utf8JsonWriter) (name: string) (m: Measurement) =
    w.WriteStartObject(name)
    w.WriteStartArray("perSeed")
    for v in m.PerSeed do writeNumberValue w v
    w.WriteEndArray()
    writeNumber w "mean" m.Mean
    writeInterval w "interval95" m.Interval
    w.WriteNumber("seedsAgreeing", m.SeedsAgreeing)
    w.WriteNumber("seeds", m.PerSeed.Length)
    writeNumber w "pValue" m.PValue
    w.WriteString("verdict", m.Verdict.Name)
    w.WriteEndObject()

/// The claim's decision rule: its name, parameters and outlier fence; for the bootstrap rule with too few finite
/// seeds, the interval that replaced it.
let private writeRule (w: Utf8JsonWriter) (c: ClaimResult) =
    let spec = c.Spec
    w.WriteStartObject("rule")
    w.WriteString("name", spec.Rule.Name)
    match spec.Rule with
    | StudentTInterval -> ()
    | BootstrapInterval (lo, hi) ->
        w.WriteNumber("lo", lo)
        w.WriteNumber("hi", hi)
        w.WriteNumber("resamples", DecisionRules.bootstrapResamples)
        w.WriteNumber("minimumSeeds", DecisionRules.bootstrapMinimumSeeds)
        if c.Measured.BootstrapFallback || c.Control |> Option.exists (fun m -> m.BootstrapFallback) then
            w.WriteString(
                "appliedAs",
                $"fewer than {DecisionRules.bootstrapMinimumSeeds} finite seeds: "
                + $"the 95%% Student-t interval of the mean clamped to [{number lo}, {number hi}]")
    | SignTest alpha -> w.WriteNumber("alpha", alpha)
    | Equivalence (margin, scale) ->
        w.WriteNumber("margin", margin)
        w.WriteString("scale", scale.Name)
    w.WriteNumber("outlierFence", spec.OutlierFence)
    w.WriteEndObject()

/// The paired measurement: the quantity, the seeds paired and dropped, the per-seed values, the mean, the 90%
/// t interval, the rule's p-value, the signed-rank p (paired design), the margin (equivalence) and its verdict.
let private writePaired (w: Utf8JsonWriter) (p: PairedMeasurement) =
    w.WriteStartObject("paired")
    w.WriteString("quantity", p.Quantity)
    w.WriteStartArray("seeds")
    for s in p.Seeds do w.WriteNumberValue s
    w.WriteEndArray()
    w.WriteStartArray("perSeed")
    for v in p.Values do writeNumberValue w v
    w.WriteEndArray()
    w.WriteStartArray("droppedSeeds")
    for s in p.Dropped do w.WriteNumberValue s
    w.WriteEndArray()
    writeNumber w "mean" p.Mean
    writeInterval w "interval90" p.Interval
    writeNumber w "pValue" p.PValue
    if Double.IsFinite p.SignedRankPValue then writeNumber w "signedRankPValue" p.SignedRankPValue
    if Double.IsFinite p.Margin then writeNumber w "margin" p.Margin
    w.WriteNumber("seedsAgreeing", p.SeedsAgreeing)
    w.WriteString("verdict", p.Verdict.Name)
    w.WriteEndObject()

/// The preconditions: each with its metric, comparison, threshold, reason, per-seed values and failing seeds.
let private writePreconditions (w: Utf8JsonWriter) (name: string) (preconditions: PreconditionResult list) =
    w.WriteStartArray(name)
    for p in preconditions do
        w.WriteStartObject()
        w.WriteString("metric", p.Spec.Metric)
        w.WriteString("comparison", p.Spec.Comparison.Symbol)
        w.WriteNumber("threshold", p.Spec.Threshold)
        w.WriteString("why", p.Spec.Why)
        w.WriteStartArray("perSeed")
        for v in p.PerSeed do writeNumberValue w v
        w.WriteEndArray()
        w.WriteStartArray("failingSeeds")
        for seed, _ in p.Failing do w.WriteNumberValue seed
        w.WriteEndArray()
        w.WriteBoolean("holds", p.Holds)
        w.WriteEndObject()
    w.WriteEndArray()

/// A claim's dated changes: date, the replaced definition's hash prefix, what changed and why.
let private writeChanges (w: Utf8JsonWriter) (changes: ClaimChange list) =
    w.WriteStartArray("changes")
    for c in changes do
        w.WriteStartObject()
        w.WriteString("date", c.Date)
        w.WriteString("previous", c.Previous)
        w.WriteString("what", c.What)
        w.WriteString("why", c.Why)
        w.WriteEndObject()
    w.WriteEndArray()

/// result.json: what ran (resolved manifest, environment, seeds), what was measured, the claims and, for a
/// sequential run, its looks. Non-finite numbers are written as null.
let renderWith
    (sequential: Sequential.SequentialRecord option)
    (result: ExperimentResult)
    (environment: RunEnvironment)
    (manifestText: string)
    : string =
    use stream = new MemoryStream()
    let options =
        JsonWriterOptions(Indented = true, Encoder = Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping)
    (use w = new Utf8JsonWriter(stream, options)
     w.WriteStartObject()
     w.WriteString("experiment", result.ExperimentId)
     w.WriteString("title", result.Title)
     w.WriteString("source", result.Source)
     w.WriteString("scale", result.Scale)
     w.WriteStartArray("seeds")
     for s in result.Seeds do w.WriteNumberValue s
     w.WriteEndArray()
     w.WriteStartObject("environment")
     w.WriteString("harness", environment.HarnessVersion)
     if environment.Commit <> "" then w.WriteString("commit", environment.Commit)
     if environment.JudgedBy <> "" then w.WriteString("judgedBy", environment.JudgedBy)
     w.WriteString("torchSharp", environment.TorchSharpVersion)
     w.WriteString("dotnet", environment.DotnetVersion)
     w.WriteString("os", environment.OperatingSystem)
     w.WriteString("device", environment.Device)
     w.WriteNumber("threads", environment.Threads)
     w.WriteString("command", environment.CommandLine)
     // A result published before platforms were recorded keeps recording none.
     let p = environment.Platform
     if p <> Platform.unrecorded then
         w.WriteStartObject("platform")
         for name, value in
             [ "cpuVendor", p.CpuVendor; "cpuModel", p.CpuModel; "instructionSets", p.InstructionSets
               "numerics", p.Numerics; "atenCapability", p.AtenCapability; "mklBranch", p.MklBranch
               "libraries", p.Libraries; "pins", p.Pins ] do
             w.WriteString(name, value)
         w.WriteEndObject()
     w.WriteNumber("computeSeconds", Math.Round(environment.ComputeSeconds, 3))
     w.WriteEndObject()
     w.WritePropertyName("manifest")
     (use doc = JsonDocument.Parse(manifestText, JsonDocumentOptions(CommentHandling = JsonCommentHandling.Skip))
      doc.RootElement.WriteTo w)
     w.WriteStartArray("metrics")
     for m in result.Metrics do
         w.WriteStartObject()
         w.WriteNumber("seed", m.Seed)
         w.WriteStartObject("values")
         for KeyValue (name, value) in m.Values |> Seq.sortBy (fun kv -> kv.Key) do writeNumber w name value
         w.WriteEndObject()
         w.WriteEndObject()
     w.WriteEndArray()
     w.WriteStartArray("claims")
     for c in result.Claims do
         w.WriteStartObject()
         w.WriteString("id", c.Spec.Id)
         w.WriteString("source", c.Spec.Source)
         w.WriteString("statement", c.Spec.Statement)
         w.WriteString("metric", c.Spec.Metric)
         w.WriteString("expected", c.Spec.Expected)
         w.WriteString("thresholdSource", c.Spec.ThresholdSource)
         w.WriteString("definitionSha256", ClaimDefinition.sha256 c.Spec)
         if not c.Spec.Changes.IsEmpty then writeChanges w c.Spec.Changes
         writeRule w c
         writeMeasurement w "measured" c.Measured
         w.WriteStartObject("control")
         match c.Spec.Control, c.Control with
         | ControlMetric (metric, description), Some m ->
             w.WriteString("description", description)
             w.WriteString("metric", metric)
             w.WriteString("design", c.Spec.Design.Name)
             writeMeasurement w "measured" m
         | NoControl why, _ -> w.WriteString("none", why)
         | ControlMetric (metric, description), None ->
             w.WriteString("description", description)
             w.WriteString("metric", metric)
             w.WriteString("design", c.Spec.Design.Name)
         w.WriteEndObject()
         c.Paired |> Option.iter (writePaired w)
         if not c.Preconditions.IsEmpty then writePreconditions w "preconditions" c.Preconditions
         if not c.UnitCriteria.IsEmpty then writePreconditions w "unitCriteria" c.UnitCriteria
         w.WriteStartArray("outliers")
         for seed, value in c.Outliers do
             w.WriteStartObject()
             w.WriteNumber("seed", seed)
             writeNumber w "value" value
             w.WriteEndObject()
         w.WriteEndArray()
         writeNumber w "claimPValue" (Claims.pValue c)
         w.WriteString("verdict", c.Verdict.Name)
         w.WriteEndObject()
     w.WriteEndArray()
     sequential |> Option.iter (Sequential.writeJson w)
     w.WriteStartArray("series")
     for s in result.Series do w.WriteStringValue($"{s.Name}.csv")
     w.WriteEndArray()
     w.WriteStartArray("figures")
     for f in result.Figures do w.WriteStringValue($"figures/{f.Name}.png")
     w.WriteEndArray()
     w.WriteStartArray("imageGrids")
     for g in result.ImageGrids do w.WriteStringValue($"figures/{g.Name}.png")
     w.WriteEndArray()
     w.WriteStartObject("captions")
     for f in result.Figures do w.WriteString($"figures/{f.Name}.png", f.Title)
     for g in result.ImageGrids do w.WriteString($"figures/{g.Name}.png", g.Title)
     w.WriteEndObject()
     w.WriteStartArray("notes")
     for n in result.Notes do w.WriteStringValue n
     w.WriteEndArray()
     w.WriteEndObject())
    Encoding.UTF8.GetString(stream.ToArray()) + "\n"

/// result.json of a run judged once (see `renderWith`).
let render (result: ExperimentResult) (environment: RunEnvironment) (manifestText: string) : string =
    renderWith None result environment manifestText
