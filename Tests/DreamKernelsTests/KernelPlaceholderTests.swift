import Testing
@testable import DreamKernels

@Test func layoutIsDocumented() { #expect(DreamKernels.layout == "NCHW") }
