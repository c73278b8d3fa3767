/// A problem found in a JSON text or while decoding it, at its JSON path (e.g. `$.critic.optimizer.learningRate`):
/// what the checks of the text (`JsonChecks`) and the decoders (`Json`) report.
namespace Wgan.Experiments

/// A problem found while decoding, at a JSON path.
type DecodeError = { Path: string; Message: string }
