import type { Metadata } from "next";
import type { ReactNode } from "react";
import { TopBar } from "~/components/top-bar";
import { TooltipProvider } from "~/components/ui/tooltip";
import { TRPCReactProvider } from "~/trpc/react";
import { Prefetch, serverTrpc } from "~/trpc/server";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Proofboard", template: "%s · Proofboard" },
  description: "Release readiness of UltraCloud branches: lanes, gates, runs and their consoles.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans antialiased">
        <TRPCReactProvider>
          <TooltipProvider>
            {/*
              Who is logged in, in the first HTML: the menu, and every page's role-bound buttons (Rerun, Cancel),
              render as they stay. Above the pages, so that this is in the cache before any of them reads it.
            */}
            <Prefetch queries={[serverTrpc.auth.me.queryOptions()]}>
              <TopBar />
            </Prefetch>
            <main className="px-4 py-3">{children}</main>
          </TooltipProvider>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
