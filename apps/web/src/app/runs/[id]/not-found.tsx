import { NotFoundPanel } from "~/components/ui/not-found-panel";

export default function NotFound() {
  return <NotFoundPanel kind="run" param="id" back={{ href: "/runs", label: "Back to the runs" }} />;
}
