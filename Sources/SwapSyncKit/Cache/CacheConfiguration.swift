/// A cache location made usable: the backend to talk to, or why it cannot be used in this run
/// (for S3: credentials or endpoint missing or wrong in the environment).
public struct CacheConfiguration: Sendable {
  /// The backend that keeps the objects.
  public enum Backend: Sendable {
    case folder(String)
    case s3(S3Settings)
  }

  public var location: CacheLocation
  /// Names the cache in the machine-local record of objects known to be there: another location,
  /// or the same bucket at another endpoint, starts that record afresh.
  public var identity: String
  public var backend: Result<Backend, CacheLocationError>

  /// Resolves `location` with the standard AWS environment variables for S3 (docs/cache.md).
  public static func resolve(
    _ location: CacheLocation, environment: [String: String], allowHTTP: Bool
  ) -> CacheConfiguration {
    switch location {
    case .folder(let path):
      return CacheConfiguration(location: location, identity: path, backend: .success(.folder(path)))
    case .s3(let bucket, let prefix):
      var identity = location.description
      if let endpoint = S3Settings.customEndpoint(environment) { identity += " at " + endpoint }
      let settings = S3Settings.fromEnvironment(
        bucket: bucket, prefix: prefix, environment: environment, allowHTTP: allowHTTP)
      return CacheConfiguration(
        location: location, identity: identity, backend: settings.map { Backend.s3($0) })
    }
  }
}
