import { useEffect, useRef } from 'react';

/** The first page of a visit keeps the browser's focus (the first Tab reaches the skip link); later pages move it to their heading. */
let navigated = false;

/** The page's heading: focused when the user moves to another page (screen readers announce it), and the document's title. */
export function PageTitle({ children }: { children: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${children} · Entity platform console`;
    if (navigated) ref.current?.focus();
    navigated = true;
  }, [children]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
