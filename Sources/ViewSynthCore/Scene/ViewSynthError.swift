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
    public var description: String { "\(path): expected \(expected), found \(found)" }
    public var errorDescription: String? { description }
}
