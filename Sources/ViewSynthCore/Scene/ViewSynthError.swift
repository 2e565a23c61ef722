import Foundation

/// Every error a user can cause with bad input. Its description is one line that names the file,
/// what was expected and what was found.
public struct ViewSynthError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public var path: String
    public var expected: String
    public var found: String

    public init(_ path: String, expected: String, found: String) {
        self.path = path; self.expected = expected; self.found = found
    }
    public init(_ url: URL, expected: String, found: String) {
        self.init(url.path, expected: expected, found: found)
    }
    /// One line whatever the parts hold (line breaks become spaces; `found` is cut at 200 characters, so an
    /// input echoed by mistake cannot flood the terminal).
    public var description: String {
        let shown = found.count > 200 ? String(found.prefix(200)) + "…" : found
        return "\(path): expected \(expected), found \(shown)"
            .replacingOccurrences(of: "\r\n", with: " ")
            .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
    }
    public var errorDescription: String? { description }
}
