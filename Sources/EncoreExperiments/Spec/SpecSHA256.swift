/// SHA-256 of spec text, from EncoreData's implementation.
enum SpecSHA256 {
    /// The digest of `text`'s UTF-8 bytes, 64 lowercase hex digits.
    static func hex(of text: String) -> String { SHA256.hex(Array(text.utf8)) }
}
