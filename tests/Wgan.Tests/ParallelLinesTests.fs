module Wgan.Tests.ParallelLinesTests
