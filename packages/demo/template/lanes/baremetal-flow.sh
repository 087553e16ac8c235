# The canonical ISO install flow shared by baremetal-iso and baremetal-iso-e2e; sourced after lib.sh.

boot ultracloud-iso
check_component ultracloud-iso deployer
say "ultracloud-iso: POST /api/v1/phone-home -> 200"
pause 0.4
say "ultracloud-iso: downloaded flake bundle from deployer"
check_component ultracloud-iso install-target
say "ultracloud-iso: disko partitioned /dev/vda (esp, root)"
pause 0.5
say "ultracloud-iso: rebooting into the installed system"
pause 0.3
for node in baremetal-qemu-control-plane baremetal-qemu-worker; do
  say "$node: first post-install boot"
  check_component "$node" first-boot-automation
  pause 0.3
  check_component "$node" nix-agent
  say "$node: desired system active"
done
