import { useEffect, useState } from 'react';
import type { StudioImage } from '../../../tasks/studio-task';

/**
 * A stored image shown small. Its object URL lives as long as the thumbnail is on screen: it pins the Blob in
 * memory, so it is revoked when the thumbnail goes (or shows another image). Each URL is made in a task of
 * its own: a stored Blob's URL costs milliseconds to register, and a task's cards mount dozens of thumbnails
 * in one commit, which made one long task of them all.
 */
export function Thumbnail({ image }: { image: StudioImage }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let objectUrl: string | null = null;
    const timer = setTimeout(() => {
      objectUrl = URL.createObjectURL(image.blob);
      setUrl(objectUrl);
    }, 0);
    return () => {
      clearTimeout(timer);
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [image.blob]);
  const held = image.split === 'test';
  return (
    <figure className={held ? 'thumbnail held-out' : 'thumbnail'} title={image.fileName}>
      {url ? (
        <img src={url} alt={image.fileName} loading="lazy" decoding="async" />
      ) : (
        <span className="thumbnail-placeholder" />
      )}
      {held && <figcaption>test</figcaption>}
    </figure>
  );
}
