# The settings app of issue 10: turn Wi-Fi on.
app settings "Android Settings" start Home

screen Home "Settings list" {
  tap("Network & internet") -> Network
  tap("Connected devices") -> Devices
}
screen Network "Network settings" requires visible("Internet") {
  tap("Internet") -> Internet
  back -> Home
}
screen Internet {
  toggle("Wi-Fi") -> Internet ensures checked("Wi-Fi")
  back -> Network
}
screen Devices "Connected devices" {
  tap("Pair new device") -> Pairing
  back -> Home
}
screen Pairing "Pair new device" {
  back -> Devices
}
overlay Permission shows("Allow?") dismiss back
goal F (Internet & checked("Wi-Fi"))
