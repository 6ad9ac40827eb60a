import CairnFormat
import Foundation

/// Encodes one `Encodable` value's top-level properties into column values by name.
/// Nested containers are serialized to JSON text for JSON columns.
final class RowEncoder: Encoder {
    final class Storage { var values: [String: Value] = [:] }
    let storage = Storage()
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(RowContainer<Key>(storage: storage))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        Unsupported(codingPath: codingPath, what: "an array")
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        Unsupported(codingPath: codingPath, what: "a single value")
    }
}

private struct RowContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let storage: RowEncoder.Storage
    var codingPath: [any CodingKey] = []

    private func set(_ key: Key, _ v: Value) { storage.values[key.stringValue.lowercased()] = v }

    mutating func encodeNil(forKey key: Key) throws { set(key, .null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(key, .bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(key, .string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(key, .double(value)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(key, .double(Double(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(key, .int(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        guard let i = Int64(exactly: value) else { throw CairnError(.type, "\(key.stringValue): \(value) does not fit in BIGINT") }
        set(key, .int(i))
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        switch value {
        case let d as Date: set(key, .timestamp(Int64((d.timeIntervalSince1970 * 1_000_000).rounded())))
        case let v as Value: set(key, v)
        case let f as [Float]: set(key, .vector(f))
        case let u as UUID: set(key, .string(u.uuidString.lowercased()))
        case let url as URL: set(key, .string(url.absoluteString))
        default:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            let data = try encoder.encode(value)
            set(key, .json(String(decoding: data, as: UTF8.self)))
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(UnsupportedKeyed<NestedKey>(what: "a nested container for \(key.stringValue)"))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        Unsupported(codingPath: codingPath, what: "a nested array for \(key.stringValue)")
    }
    mutating func superEncoder() -> any Encoder { RowEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { RowEncoder() }
}

/// Shapes a row cannot take: every encode throws, naming what was attempted.
private func unsupportedShape(_ what: String) -> CairnError {
    CairnError(.invalidInput, "Database.append(_:to:) encodes structs with named properties; \(what) cannot become a row")
}

private struct Unsupported: UnkeyedEncodingContainer, SingleValueEncodingContainer {
    var codingPath: [any CodingKey]
    let what: String
    var count: Int { 0 }

    mutating func encodeNil() throws { throw unsupportedShape(what) }
    mutating func encode<T: Encodable>(_ value: T) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: Bool) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: String) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: Double) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: Float) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: Int) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: Int8) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: Int16) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: Int32) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: Int64) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: UInt) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: UInt8) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: UInt16) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: UInt32) throws { throw unsupportedShape(what) }
    mutating func encode(_ value: UInt64) throws { throw unsupportedShape(what) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(UnsupportedKeyed<NestedKey>(what: what))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
    mutating func superEncoder() -> any Encoder { RowEncoder() }
}

private struct UnsupportedKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var codingPath: [any CodingKey] = []
    let what: String

    mutating func encodeNil(forKey key: Key) throws { throw unsupportedShape(what) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw unsupportedShape(what) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(UnsupportedKeyed<NestedKey>(what: what))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        Unsupported(codingPath: codingPath, what: what)
    }
    mutating func superEncoder() -> any Encoder { RowEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { RowEncoder() }
}
