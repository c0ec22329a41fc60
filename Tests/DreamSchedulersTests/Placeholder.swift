import Testing
@Test func schedulersBuild() { #expect(true) }
