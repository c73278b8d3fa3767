/// The platform a result was computed on, as far as it decides the numbers: the CPU, the instruction sets the
/// native libraries were allowed to use and the code paths they chose. The runner reads it (Wgan.Runner's
/// PlatformProbe); result.json records it; `verify` compares it to decide between a bit-for-bit and a statistical
/// comparison.
namespace Wgan.Experiments

/// The numerics modes. `fast`: every native library picks the fastest code path for the CPU it runs on, so the
/// last bits of a result depend on the CPU. `portable`: ATen's vectorised kernels at their baseline (`DEFAULT`),
/// MKL's conditional numerical reproducibility at its `COMPATIBLE` branch and oneDNN at SSE4.1, which every
/// x86-64 CPU of this machine kind runs alike.
[<AbstractClass; Sealed>]
type NumericsMode =
    static member Fast = "fast"
    static member Portable = "portable"

/// What result.json records of the platform.
type PlatformFingerprint =
    { /// The CPU vendor string (AuthenticAMD, GenuineIntel).
      CpuVendor: string
      /// The CPU's model name as the operating system reports it.
      CpuModel: string
      /// The x86 instruction-set extensions .NET reports usable, space-separated (sse4.2 avx avx2 fma avx512f ...).
      InstructionSets: string
      /// fast or portable (NumericsMode).
      Numerics: string
      /// ATen's CPU capability in use: DEFAULT, AVX2 or AVX512.
      AtenCapability: string
      /// MKL's conditional-numerical-reproducibility branch: off (MKL dispatches on the CPU), COMPATIBLE, ...
      MklBranch: string
      /// The libtorch, MKL and oneDNN versions.
      Libraries: string
      /// Environment variables that steer the native libraries' code paths, as NAME=value pairs ("" when none).
      Pins: string }

/// Comparing platforms.
[<RequireQualifiedAccess>]
module Platform =
    /// A result published before fingerprints were recorded.
    let unrecorded =
        { CpuVendor = "unrecorded"; CpuModel = "unrecorded"; InstructionSets = "unrecorded"; Numerics = "unrecorded"
          AtenCapability = "unrecorded"; MklBranch = "unrecorded"; Libraries = "unrecorded"; Pins = "unrecorded" }

    /// Whether results computed on `a` and `b` are expected to agree bit for bit (given seeds and thread count):
    /// in the portable mode, the same pinned code paths and library versions, whatever the CPU and whatever else
    /// the environment restricts; in the fast mode, also the same CPU model, instruction sets and pins. An
    /// unrecorded platform is never the same.
    let sameNumerics (a: PlatformFingerprint) (b: PlatformFingerprint) =
        let paths (p: PlatformFingerprint) = p.Numerics, p.AtenCapability, p.MklBranch, p.Libraries
        let cpu (p: PlatformFingerprint) = p.CpuVendor, p.CpuModel, p.InstructionSets, p.Pins
        a <> unrecorded && b <> unrecorded && paths a = paths b
        && (a.Numerics = NumericsMode.Portable || cpu a = cpu b)

    /// One line for reports and logs.
    let describe (p: PlatformFingerprint) =
        if p = unrecorded then "unrecorded"
        else
            let pins = if p.Pins = "" then "" else $"; pinned by {p.Pins}"
            $"{p.CpuVendor} {p.CpuModel} ({p.InstructionSets}); numerics {p.Numerics}: ATen {p.AtenCapability}, "
            + $"MKL branch {p.MklBranch}{pins}; {p.Libraries}"
