import { NotFoundPanel } from "~/components/ui/not-found-panel";

export default function NotFound() {
  return <NotFoundPanel kind="lane" param="lane" back={{ href: "/lanes", label: "Back to the lanes" }} />;
}
