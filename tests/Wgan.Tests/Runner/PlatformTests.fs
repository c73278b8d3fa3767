/// The platform fingerprint, the portable numerics mode and verify across platforms: the signed-rank test and
/// Holm's adjustment against hand-computed values, which platforms count as the same numerics, that the test host
/// itself runs the portable code paths (so the snapshots hold on any x86-64 CPU), that portable results do not
/// depend on the instruction sets the native libraries may use while fast ones do, and what verify says of a result
/// published on another platform.
module Wgan.Tests.PlatformTests

open System
open System.Diagnostics
open System.IO
open System.Text.Json.Nodes
open Xunit
open Wgan.Experiments
open Wgan.Tests.CliTests
open Wgan.Tests.IntegrityTests

// ---- The signed-rank test and Holm's adjustment ----

[<Fact>]
let ``signed-rank p-values equal the exact distribution's, computed by hand`` () =
    // Five positive differences: T+ = 15 is the largest of 2^5 equally likely sums, so p = 2 / 32
    // (scipy.stats.wilcoxon([1, 2, 3, 4, 5]).pvalue = 0.0625).
    Assert.Equal(0.0625, Statistics.signedRankPValue 0.0 [| 1.0; 2.0; 3.0; 4.0; 5.0 |], 12)
    // One negative difference of rank 2 among six: T- = 2; the sign patterns with T- <= 2 are {}, {1}, {2}:
    // p = 2 * 3 / 64 (scipy.stats.wilcoxon([1, -2, 3, 4, 5, 6]).pvalue = 0.09375).
    Assert.Equal(0.09375, Statistics.signedRankPValue 0.0 [| 1.0; -2.0; 3.0; 4.0; 5.0; 6.0 |], 12)
    // Differences within the tolerance count as zeros and are dropped (Wilcoxon's treatment): as five positives.
    Assert.Equal(0.0625, Statistics.signedRankPValue 1e-9 [| 0.0; 5e-10; -5e-10; 1.0; 2.0; 3.0; 4.0; 5.0 |], 12)
    // Ten positives: 2 / 1024.
    Assert.Equal(2.0 / 1024.0, Statistics.signedRankPValue 0.0 (Array.init 10 (fun i -> float (i + 1))), 12)
    // Three tied magnitudes, two positive: T+ = 4 of doubled ranks {2, 2, 2}; P(T+ >= 4) = 4/8, so p = 1.
    Assert.Equal(1.0, Statistics.signedRankPValue 0.0 [| 1.0; 1.0; -1.0 |], 12)
    // Nothing left: no evidence of a shift.
    Assert.Equal(1.0, Statistics.signedRankPValue 0.1 [| 0.05; -0.05 |], 12)

[<Fact>]
let ``Holm's adjustment, computed by hand`` () =
    // Sorted 0.01, 0.03, 0.04 times 3, 2, 1 = 0.03, 0.06, 0.04, made monotone: 0.03, 0.06, 0.06.
    let adjusted = Statistics.holm [| 0.01; 0.04; 0.03 |]
    Assert.Equal<float[]>([| 0.03; 0.06; 0.06 |], adjusted |> Array.map (fun p -> Math.Round(p, 12)))
    Assert.Equal<float[]>([| 1.0 |], Statistics.holm [| 0.7 |] |> Array.map (fun p -> min 1.0 (p / 0.7)))

[<Fact>]
let ``the signed-rank test's false alarm rate stays within alpha over 2,000 simulated platform changes`` () =
    // Under the null hypothesis (the platform acts as symmetric noise), each seed's difference is symmetric
    // about 0. 2,000 simulated verifications of 10 seeds with normal, then heavy-tailed, differences.
    let random = Random 20261206
    let normal () = sqrt (-2.0 * log (1.0 - random.NextDouble())) * cos (2.0 * Math.PI * random.NextDouble())
    for draw, name in [ normal, "normal"; (fun () -> normal () ** 3.0), "cubed normal" ] do
        let rejections =
            Seq.init 2000 (fun _ -> Statistics.signedRankPValue 0.0 (Array.init 10 (fun _ -> draw ())))
            |> Seq.filter (fun p -> p < 0.05)
            |> Seq.length
        // The exact test's size at n = 10 is at most 0.05 (here 0.0371 is attainable); allow the binomial noise
        // of 2,000 draws (3 standard deviations of 0.05: 0.0146).
        Assert.True(float rejections / 2000.0 <= 0.05 + 0.0146, $"{name}: {rejections} of 2000 rejected")
    // And it finds a real shift: differences of 1 +- 0.5 on 10 seeds are all positive.
    let shifted = Array.init 10 (fun _ -> 1.0 + 0.5 * (random.NextDouble() - 0.5))
    Assert.True(Statistics.signedRankPValue 0.0 shifted < 0.01)

// ---- Which platforms are the same numerics ----

let private amd =
    { CpuVendor = "AuthenticAMD"; CpuModel = "AMD EPYC"; InstructionSets = "sse4_2 avx avx2 fma avx512f"
      Numerics = NumericsMode.Fast; AtenCapability = "AVX512"; MklBranch = "off"
      Libraries = "libtorch 2.10.0, MKL 2024.2, oneDNN v3.7.1"; Pins = "" }

let private intel =
    { amd with CpuVendor = "GenuineIntel"; CpuModel = "Intel(R) Xeon(R) Platinum 8481C" }

[<Fact>]
let ``fast results agree bit for bit only on the same CPU; portable ones on any CPU with the same pins`` () =
    Assert.True(Platform.sameNumerics amd amd)
    Assert.False(Platform.sameNumerics amd intel, "the fast mode follows the CPU")
    let pinned = { amd with Pins = "MKL_ENABLE_INSTRUCTIONS=SSE4_2" }
    Assert.False(Platform.sameNumerics amd pinned, "a pin changes the fast path")
    let portable (p: PlatformFingerprint) =
        { p with Numerics = NumericsMode.Portable; AtenCapability = "DEFAULT"; MklBranch = "COMPATIBLE" }
    Assert.True(Platform.sameNumerics (portable amd) (portable intel), "the portable mode does not follow the CPU")
    Assert.True(Platform.sameNumerics (portable amd) (portable { intel with Pins = "MKL_ENABLE_INSTRUCTIONS=AVX2" }))
    let otherLibraries = { (portable amd) with Libraries = "libtorch 2.11.0, MKL 2025.0, oneDNN v3.8" }
    Assert.False(Platform.sameNumerics (portable amd) otherLibraries)
    Assert.False(Platform.sameNumerics (portable amd) amd)
    Assert.False(
        Platform.sameNumerics Platform.unrecorded Platform.unrecorded, "an unrecorded platform is never the same")

// ---- The test host and the portable mode ----

[<Fact>]
let ``the test host runs the portable code paths, so the smoke snapshots do not depend on the CPU`` () =
    TestSupport.pinThreads ()
    let p = Wgan.Runner.PlatformProbe.Current()
    Assert.True(
        (p.Numerics = NumericsMode.Portable),
        "the snapshot tests must run in the portable mode (tests/Wgan.Tests/test.runsettings sets it): "
        + Platform.describe p)
    Assert.Equal("DEFAULT", p.AtenCapability)
    Assert.Equal("COMPATIBLE", p.MklBranch)
    Assert.Matches(@"^libtorch \d+\.\d+\.\d+, MKL \d{4}\.\d+, oneDNN v\d+\.\d+", p.Libraries)
    // Entering the mode again is harmless once the paths are pinned.
    Wgan.Runner.PlatformProbe.EnterPortableMode()

[<Fact>]
let ``result.json and report.md record the platform`` () =
    let folder = copyOfPublished ()
    let root = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "result.json")))
    let platform = root.["environment"].["platform"]
    Assert.Equal("portable", string platform.["numerics"])
    Assert.Equal("DEFAULT", string platform.["atenCapability"])
    Assert.False(String.IsNullOrEmpty(string platform.["cpuVendor"]))
    Assert.Contains("- Platform: ", File.ReadAllText(Path.Combine(folder, "report.md")))

/// Runs `wgan run <gradient-norms> --scale smoke` in a new process with `environment` changes (null removes a
/// variable); returns result.json's metrics and claims, the parts that depend on the numerics.
let private numbersOfRun (extra: string list) (environment: (string * string) list) =
    let out = Path.Combine(tempFolder (), "out")
    let wgan = Path.Combine(AppContext.BaseDirectory, "wgan.dll")
    let manifest = Path.Combine(TestSupport.experimentsFolder.Force(), "gradient-norms.json")
    let start =
        ProcessStartInfo("dotnet", [ "exec"; wgan; "run"; manifest; "--scale"; "smoke"; "--out"; out ] @ extra,
                         RedirectStandardError = true, RedirectStandardOutput = true)
    // The test host's own pins are not inherited: each run states its mode.
    for struct (name, _) in Wgan.Runner.PlatformProbe.PortablePins do start.Environment.Remove name |> ignore
    for name, value in environment do
        if isNull value then start.Environment.Remove name |> ignore else start.Environment[name] <- value
    use p = Process.Start start
    let stderr = p.StandardError.ReadToEndAsync()
    p.StandardOutput.ReadToEnd() |> ignore
    p.WaitForExit()
    Assert.True(p.ExitCode = 0, $"exit {p.ExitCode}: {stderr.Result}")
    let root = JsonNode.Parse(File.ReadAllText(Path.Combine(out, "gradient-norms", "result.json")))
    let numerics = string root.["environment"].["platform"].["numerics"]
    root.["metrics"].ToJsonString() + root.["claims"].ToJsonString(), numerics

/// What restricts the native libraries as an older CPU would: ATen's kernels without AVX2 (the knob that moves a fast
/// run on this machine kind; MKL's own dispatch ignores MKL_ENABLE_INSTRUCTIONS on AMD CPUs), MKL limited to SSE4.2,
/// oneDNN to SSE4.1, and glibc's (its libm's FMA variants) and .NET's AVX-512 and AVX2 code paths disabled.
let private olderCpu =
    [ "ATEN_CPU_CAPABILITY", "default"; "MKL_ENABLE_INSTRUCTIONS", "SSE4_2"; "ONEDNN_MAX_CPU_ISA", "SSE41"
      "GLIBC_TUNABLES", "glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX2,-FMA"; "DOTNET_EnableAVX512F", "0"
      "DOTNET_EnableAVX2", "0" ]

[<Fact>]
let ``portable results do not depend on the instruction sets the libraries may use; fast ones do`` () =
    let fast, fastMode = numbersOfRun [] []
    let fastRestricted, _ = numbersOfRun [] olderCpu
    Assert.Equal("fast", fastMode)
    // The restriction bites: without the portable mode it changes the numbers, as another CPU does.
    Assert.NotEqual<string>(fast, fastRestricted)
    let portable, portableMode = numbersOfRun [ "--portable" ] []
    let portableRestricted, _ = numbersOfRun [ "--portable" ] olderCpu
    Assert.Equal("portable", portableMode)
    Assert.Equal<string>(portable, portableRestricted)

// ---- verify across platforms ----

/// A published smoke result whose platform is rewritten to another CPU's fast mode, as if published there.
let private publishedElsewhere () =
    let folder = copyOfPublished ()
    editResult folder (fun root ->
        let platform = root.["environment"].["platform"]
        platform.["cpuVendor"] <- JsonValue.Create "GenuineIntel"
        platform.["cpuModel"] <- JsonValue.Create "Intel(R) Xeon(R) Platinum 8481C"
        platform.["numerics"] <- JsonValue.Create "fast"
        platform.["atenCapability"] <- JsonValue.Create "AVX512"
        platform.["mklBranch"] <- JsonValue.Create "off")
    folder

/// Moves every claim's per-seed values by +-`size`, alternating in sign over seeds (another CPU's rounding, amplified).
let private jitterClaims (size: float) (root: JsonNode) =
    for claim in root.["claims"].AsArray() do
        let perSeed = claim.["measured"].["perSeed"].AsArray()
        for i in 0 .. perSeed.Count - 1 do
            if not (isNull perSeed[i]) then
                let v = perSeed[i].GetValue<float>()
                perSeed[i] <- JsonValue.Create(v + (if i % 2 = 0 then size else -size))

[<Fact>]
let ``verify of a result published on another CPU reports a reproduction and exits 0 when its verdicts hold`` () =
    let same = cli [ "verify"; publishedElsewhere () ]
    Assert.True(same.Exit = 0, same.Out + same.Err)
    Assert.Contains("on another platform", same.Out)
    let folder = publishedElsewhere ()
    editResult folder (jitterClaims 1e-3)
    let r = cli [ "verify"; folder ]
    Assert.True(r.Exit = 0, r.Out + r.Err)
    Assert.Contains("re-run on another platform", r.Out)
    Assert.Contains("every verdict holds", r.Out)
    Assert.Contains("verified across platforms", r.Out)
    Assert.Contains("published on: GenuineIntel", r.Err)

[<Fact>]
let ``verify of a result published on another CPU exits 1 when a verdict does not hold`` () =
    let folder = publishedElsewhere ()
    editResult folder (fun root ->
        jitterClaims 1e-3 root
        let claim = root.["claims"].[0]
        let flipped = if string claim.["verdict"] = "reproduced" then "not-reproduced" else "reproduced"
        claim.["verdict"] <- JsonValue.Create flipped)
    let r = cli [ "verify"; folder ]
    Assert.True(r.Exit = Wgan.Runner.Verify.Mismatch, r.Out + r.Err)
    Assert.Contains("CHANGED", r.Out)
    Assert.Contains("NOT verified across platforms", r.Out)

[<Fact>]
let ``verify of a result published on another CPU exits 1 when a claim's definition was edited`` () =
    let folder = publishedElsewhere ()
    editResult folder (fun root ->
        jitterClaims 1e-3 root
        root.["claims"].[0].["statement"] <- JsonValue.Create "an edited statement")
    let r = cli [ "verify"; folder ]
    Assert.True(r.Exit = Wgan.Runner.Verify.Mismatch, r.Out + r.Err)
    Assert.Contains(".statement: published \"an edited statement\"", r.Out)
    Assert.DoesNotContain("across platforms", r.Out)

[<Fact>]
let ``verify on the publishing platform stays bit for bit: the same jitter is a mismatch there`` () =
    let folder = copyOfPublished ()
    editResult folder (jitterClaims 1e-3)
    let r = cli [ "verify"; folder ]
    Assert.True(r.Exit = Wgan.Runner.Verify.Mismatch, r.Out + r.Err)
    Assert.DoesNotContain("across platforms", r.Out)
    Assert.Contains(".measured.perSeed", r.Out)

// ---- The numerics mode is part of a run's identity ----

[<Fact>]
let ``shards of a portable run merge into a portable result; a shard resumed without --portable is refused`` () =
    let out = Path.Combine(tempFolder (), "out")
    let shard (i: int) extra =
        let manifest = Wgan.Tests.ManifestTests.manifestPath
        cli ([ "run"; manifest; "--scale"; "smoke"; "--out"; out; "--shard"; $"{i}/2" ] @ extra)
    let first = shard 0 [ "--portable" ]
    Assert.True(first.Exit = 0, first.Err)
    let mixed = shard 1 []
    Assert.True(mixed.Exit = 2, $"exit {mixed.Exit}: {mixed.Err}")
    Assert.Contains("numerics fast vs portable", mixed.Err)
    let second = shard 1 [ "--portable" ]
    Assert.True(second.Exit = 0, second.Err)
    let merged = cli [ "merge"; "--out"; out ]
    Assert.True(merged.Exit = 0, merged.Err)
    let root = JsonNode.Parse(File.ReadAllText(Path.Combine(out, "parallel-lines", "result.json")))
    Assert.Equal("portable", string root.["environment"].["platform"].["numerics"])
