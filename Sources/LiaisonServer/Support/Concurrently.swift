extension Array where Element: Sendable {
    /// The non-nil results of `transform` on every element, run concurrently, in no set order.
    func asyncCompactMap<T: Sendable>(_ transform: @escaping @Sendable (Element) async -> T?) async -> [T] {
        await withTaskGroup(of: T?.self) { group in
            for element in self { group.addTask { await transform(element) } }
            var results: [T] = []
            for await result in group { if let result { results.append(result) } }
            return results
        }
    }

    /// `transform` of every element, run concurrently and spread over the event
    /// loops (``EventLoopTaskExecutor``), so that work one request fans out uses every core.
    /// - Returns: the results, in the elements' order.
    func concurrentMap<T: Sendable>(_ transform: @escaping @Sendable (Element) async -> T) async -> [T] {
        await withTaskGroup(of: (Int, T).self) { group in
            for (index, element) in enumerated() {
                group.addTask(executorPreference: EventLoopTaskExecutor.spreading(index)) { (index, await transform(element)) }
            }
            var results = [T?](repeating: nil, count: count)
            for await (index, result) in group { results[index] = result }
            return results.map { $0! }  // checked: every slot is filled once the task group ends
        }
    }
}

extension Result where Failure == any Error {
    /// The outcome of an asynchronous throwing call.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
