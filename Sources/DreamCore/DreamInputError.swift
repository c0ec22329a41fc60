/// A problem with something the user gave us: a file, a field in it, or a command-line option.
///
/// Every message names where the problem is (`file`, `field`, or a line), what is wrong and how
/// to fix it, so the user never has to read our source to understand a refusal.
public struct DreamInputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Documented exit codes (sysexits.h values), shared by every command.
    public enum Kind: Int32, Sendable {
        case usage = 64          // EX_USAGE: a bad command-line option
        case data = 65           // EX_DATAERR: a file that parses wrongly or is inconsistent
        case noInput = 66        // EX_NOINPUT: a file or name that does not exist
        case unavailable = 69    // EX_UNAVAILABLE: the machine cannot do what the file asks
        case cannotCreate = 73   // EX_CANTCREAT: an output that cannot be written
    }

    public var kind: Kind
    public var file: String
    public var field: String
    public var problem: String
    public var fix: String

    public init(_ kind: Kind = .data, file: String, field: String, problem: String, fix: String) {
        self.kind = kind
        self.file = file
        self.field = field
        self.problem = problem
        self.fix = fix
    }

    public var exitCode: Int32 { kind.rawValue }

    public var description: String {
        let place = field.isEmpty ? file : "\(file): \(field)"
        return "\(place): \(problem). Fix: \(fix)"
    }
}
