module github.com/goblog/vipservice

go 1.26.8
