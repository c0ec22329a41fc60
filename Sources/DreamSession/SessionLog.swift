import Foundation

/// Progress and notes of the library's long operations (fits, cells) go to standard error.
func log(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
