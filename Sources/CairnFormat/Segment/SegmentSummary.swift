/// What the manifest keeps about a segment file: its size, its rows and the zone map of each column over
/// the whole segment. Stored as JSON: `{"rowCount":…,"fileSize":…,"columns":[{"id":…,"zoneMap":{…}}]}`
/// with columns in ascending id order.
package struct SegmentSummary: Sendable, Codable, Equatable {
    package var rowCount: Int
    package var fileSize: Int
    /// Zone map of each column over all rows of the segment, keyed by column id.
    package var zoneMaps: [UInt32: ZoneMap]

    package init(rowCount: Int, fileSize: Int, zoneMaps: [UInt32: ZoneMap]) {
        self.rowCount = rowCount
        self.fileSize = fileSize
        self.zoneMaps = zoneMaps
    }

    private enum CodingKeys: String, CodingKey { case rowCount, fileSize, columns }

    private struct ColumnRecord: Codable {
        var id: UInt32
        var zoneMap: ZoneMapRecord
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rowCount = try c.decode(Int.self, forKey: .rowCount)
        fileSize = try c.decode(Int.self, forKey: .fileSize)
        let columns = try c.decode([ColumnRecord].self, forKey: .columns)
        zoneMaps = Dictionary(columns.map { ($0.id, $0.zoneMap.zoneMap) }, uniquingKeysWith: { first, _ in first })
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rowCount, forKey: .rowCount)
        try c.encode(fileSize, forKey: .fileSize)
        let columns = zoneMaps.sorted { $0.key < $1.key }.map { ColumnRecord(id: $0.key, zoneMap: ZoneMapRecord($0.value)) }
        try c.encode(columns, forKey: .columns)
    }
}
