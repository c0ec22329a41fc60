import ArgumentParser
import DreamCore
import DreamPlatform
import DreamSession
import Foundation

/// Runs a command body, turning our input errors into a clear message and a documented exit
/// code instead of a stack trace.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as DreamInputError {
        FileHandle.standardError.write(Data("dream: error: \(error)\n".utf8))
        throw ExitCode(error.exitCode)
    } catch let failed as InfeasibleLiveFit {
        FileHandle.standardError.write(Data("dream: error: \(failed.error)\n".utf8))
        throw ExitCode(failed.error.exitCode)
    } catch let error as MachineDiscovery.Failure {
        FileHandle.standardError.write(Data("dream: error: \(error)\n".utf8))
        throw ExitCode(DreamInputError.Kind.unavailable.rawValue)
    }
}

/// One JSON style for every machine-readable output: snake_case keys, sorted, pretty.
func jsonString<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
