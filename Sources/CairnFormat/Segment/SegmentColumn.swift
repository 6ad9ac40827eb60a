/// One column handed to ``SegmentWriter``: its stable id, its SQL type and all of its values.
/// `data` must use `type.physical` storage.
package struct SegmentColumn: Sendable {
    package var id: UInt32
    package var type: ColumnType
    package var data: ColumnVector

    package init(id: UInt32, type: ColumnType, data: ColumnVector) {
        self.id = id
        self.type = type
        self.data = data
    }
}
