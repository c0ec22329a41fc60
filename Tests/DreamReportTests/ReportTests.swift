import Testing
@testable import DreamReport
