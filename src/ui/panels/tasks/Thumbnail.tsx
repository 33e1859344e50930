import { useEffect, useState } from 'react';
import type { StudioImage } from '../../../tasks/studio-task';

/**
 * A stored image shown small. Its object URL lives as long as the thumbnail is on screen: it pins the Blob in
 * memory, so it is revoked when the thumbnail goes (or shows another image).
 */
export function Thumbnail({ image }: { image: StudioImage }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const objectUrl = URL.createObjectURL(image.blob);
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
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
