using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// The <c>mnist</c> command: obtains (fetches, verifies, caches) the digits and describes them; optionally writes a
/// slice.
/// </summary>
public static class MnistCommandRunner
{
    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Execute(MnistCommand command, TextWriter stdout, TextWriter stderr)
    {
        // As bench: an existing file is replaced only on request, and the refusal comes before any fetching.
        if (command.OutFile is { } outFile)
        {
            if (Directory.Exists(outFile)) throw new InputException($"--out {outFile}: is a folder, not a file");
            if (InputFiles.Stat(outFile).Kind is { } kind && !command.Force)
                throw new InputException(
                    $"{outFile} already exists ({kind}); use --force to replace it, or --out another file");
        }
        var source = MnistLoader.For(command.Data).Load(stderr);
        stdout.WriteLine(source.Description);
        stdout.WriteLine("digits per class 0-9: " + string.Join(" ", source.Digits.ClassCounts));
        if (command.SlicePerClass > 0)
        {
            var slice = Mnist.Slice(source.Digits, command.SlicePerClass);
            AtomicOutput.WriteWith(command.OutFile, temp => File.WriteAllBytes(temp, Mnist.Encode(slice)));
            stdout.WriteLine($"wrote {slice.Count} digits (the first {command.SlicePerClass} of each class) " +
                $"to {command.OutFile}, sha256 {Mnist.Fingerprint(slice)}");
        }
        return Program.Done;
    }
}
