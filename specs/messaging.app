# A messaging app: open a chat and send a message.
app messaging "Messenger" start Chats

screen Chats "Chat list" {
  tap("Alice") -> Chat
  tap("New chat") -> Contacts
  swipe("down") -> Chats
}
screen Contacts "Contacts" {
  tap("Alice") -> Chat
  back -> Chats
}
screen Chat "Conversation" shows("Sent") requires visible("Message") {
  type(message, "On my way") -> Chat ensures text(message) == "On my way"
  tap("Send") -> Chat ensures visible("Sent")
  long_press("Message") -> Chat
  back -> Chats
}
overlay Notifications shows("Allow notifications?") dismiss back

# Send only after typing, and end with a sent message.
goal F (Chat & visible("Sent"))
rule G (tap("Send") -> O type(message, any))
