module Wgan.Tests.EarthMoverTests
