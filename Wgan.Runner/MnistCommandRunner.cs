using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>The <c>mnist</c> command: obtains (fetches, verifies, caches) the digits and describes them; optionally writes a slice.</summary>
public static class MnistCommandRunner
{
    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Execute(MnistCommand command, TextWriter stdout, TextWriter stderr)
    {
        var source = MnistLoader.For(command.Data).Load(stderr);
        stdout.WriteLine(source.Description);
        stdout.WriteLine("digits per class 0-9: " + string.Join(" ", source.Digits.ClassCounts));
        if (command.SlicePerClass > 0)
        {
            var slice = Mnist.Slice(source.Digits, command.SlicePerClass);
            AtomicOutput.WriteWith(command.OutFile, temp => File.WriteAllBytes(temp, Mnist.Encode(slice)));
            stdout.WriteLine($"wrote {slice.Count} digits (the first {command.SlicePerClass} of each class) to {command.OutFile}, sha256 {Mnist.Fingerprint(slice)}");
        }
        return Program.Done;
    }
}
