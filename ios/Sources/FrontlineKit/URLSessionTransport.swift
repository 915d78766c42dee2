// `HTTPTransport` on URLSession: an ephemeral session (no cookies, no cache, no credentials
// store), time-outs, no redirects (the core's requests go to the collector only), TLS 1.2 or
// newer on Apple platforms, cellular refused when the organisation set `sync_wifi_only`.
// Compiled on Linux with FoundationNetworking and tested there over loopback HTTP.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public final class URLSessionTransport: NSObject, HTTPTransport, URLSessionTaskDelegate, @unchecked Sendable {
    private var session: URLSession!

    /// `requestTimeout`: no bytes for this long fails the request; `resourceTimeout`: the whole
    /// exchange. `wifiOnly`: no cellular or expensive networks (Apple platforms).
    public init(requestTimeout: TimeInterval = 20, resourceTimeout: TimeInterval = 60, wifiOnly: Bool = false) {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = resourceTimeout
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        configuration.allowsCellularAccess = !wifiOnly
        #if canImport(Darwin)
        configuration.tlsMinimumSupportedProtocolVersion = .TLSv12
        configuration.allowsExpensiveNetworkAccess = !wifiOnly
        configuration.waitsForConnectivity = false
        #endif
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    deinit {
        session?.finishTasksAndInvalidate()
    }

    public func send(_ request: HttpRequest) async -> TransportResult {
        guard let url = URL(string: request.url) else { return .failure(.other) }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method
        for header in request.headers where !Self.managedBySession.contains(header.name.lowercased()) {
            urlRequest.addValue(header.value, forHTTPHeaderField: header.name)
        }
        if !request.body.isEmpty { urlRequest.httpBody = request.body }
        let reply: (Data?, URLResponse?, Error?) = await withCheckedContinuation { continuation in
            session.dataTask(with: urlRequest) { continuation.resume(returning: ($0, $1, $2)) }.resume()
        }
        if let error = reply.2 { return .failure(Self.failure(for: error)) }
        guard let http = reply.1 as? HTTPURLResponse else { return .failure(.other) }
        let headers = http.allHeaderFields.compactMap { name, value -> HttpHeader? in
            guard let name = name as? String else { return nil }
            return HttpHeader(name: name, value: "\(value)")
        }
        return .response(HttpResponse(status: UInt16(clamping: http.statusCode), headers: headers, body: reply.0 ?? Data()))
    }

    /// Headers URLSession sets itself. The core's Content-Length is kept: without it
    /// FoundationNetworking (libcurl) sends the body chunked, which the collector must not need.
    static let managedBySession: Set<String> = ["host", "connection"]

    /// The core's kind of failure for a URLSession error.
    public static func failure(for error: Error) -> TransportFailure {
        guard let code = (error as? URLError)?.code else { return .other }
        switch code {
        case .timedOut: return .timeout
        case .cannotFindHost, .dnsLookupFailed: return .dns
        case .networkConnectionLost, .badServerResponse: return .reset
        default: return .other // TLS, offline, cancelled, ...
        }
    }

    /// Redirects are not followed: a collector answer is whatever it sent.
    public func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
