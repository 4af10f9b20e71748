'use client';
import { useQueryParam } from '../filter/useFilter.ts';

/** An address that opens its IP profile when clicked (from anywhere). */
export function IpLink({ ip, label }: { ip: string; label?: string }) {
  const [, setProfile] = useQueryParam('profile');
  return (
    <button
      type="button"
      className="link ip"
      onClick={(e) => {
        e.stopPropagation();
        setProfile(ip);
      }}
      title={`Profile of ${ip}`}
    >
      {label ?? ip}
    </button>
  );
}
