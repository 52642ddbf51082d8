package io.ncsync.protocol;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** A {@link RemoteStore} that passes every call on to another; subclasses override what they watch or change. */
public abstract class ForwardingRemoteStore implements RemoteStore {
  private final RemoteStore delegate;

  protected ForwardingRemoteStore(RemoteStore delegate) {
    this.delegate = delegate;
  }

  protected RemoteStore delegate() {
    return delegate;
  }

  @Override
  public CompletionStage<DavEntry> stat(String path) {
    return delegate.stat(path);
  }

  @Override
  public CompletionStage<Listing> list(String folderPath) {
    return delegate.list(folderPath);
  }

  @Override
  public CompletionStage<DownloadResult> download(String path, Path target) {
    return delegate.download(path, target);
  }

  @Override
  public CompletionStage<DownloadResult> download(String path, Path target, DownloadOptions options) {
    return delegate.download(path, target, options);
  }

  @Override
  public CompletionStage<UploadResult> upload(String path, Path source, Optional<String> ifMatchEtag, boolean mustNotExist) {
    return delegate.upload(path, source, ifMatchEtag, mustNotExist);
  }

  @Override
  public CompletionStage<UploadResult> upload(String path, Path source, UploadOptions options) {
    return delegate.upload(path, source, options);
  }

  @Override
  public CompletionStage<Void> mkcol(String path) {
    return delegate.mkcol(path);
  }

  @Override
  public CompletionStage<Void> mkdirs(String path) {
    return delegate.mkdirs(path);
  }

  @Override
  public CompletionStage<Void> delete(String path, Optional<String> ifMatchEtag) {
    return delegate.delete(path, ifMatchEtag);
  }

  @Override
  public CompletionStage<Void> move(String fromPath, String toPath, boolean overwrite) {
    return delegate.move(fromPath, toPath, overwrite);
  }

  @Override
  public RemoteStore scoped(String subPath) {
    return delegate.scoped(subPath);
  }

  @Override
  public java.util.Optional<ChangeFeed> changeFeed() {
    return delegate.changeFeed();
  }

  @Override
  public ForbiddenNames forbiddenNames() {
    return delegate.forbiddenNames();
  }

  @Override
  public boolean etagsPropagate() {
    return delegate.etagsPropagate();
  }

  @Override
  public CompletionStage<List<BatchUploadResult>> uploadBatch(List<BatchUpload> files) {
    return delegate.uploadBatch(files);
  }
}
